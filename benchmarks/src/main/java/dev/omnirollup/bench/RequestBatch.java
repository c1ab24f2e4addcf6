package dev.omnirollup.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;

/**
 * Sends one path sequentially, as one dashboard tab would, and times every exchange at the client: from writing the
 * request (connecting first, for a new connection each time) to the last byte of the body. Records the server's
 * {@code Server-Timing} and the client thread's own CPU time. Stops after {@code requests} or {@code budget}. Stateless.
 */
final class RequestBatch {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private RequestBatch() {
    }

    /**
     * What a batch measured.
     *
     * @param client         time per exchange at the client (answers with the expected status only)
     * @param server         the {@code Server-Timing} of the same answers (none when the API sends no header)
     * @param errors         answers with another status, and failed exchanges
     * @param clientCpuMicros the client thread's CPU time per request (user + system), in microseconds
     * @param bodyBytes      the size of the last correct answer's body
     */
    record Outcome(Percentiles client, Percentiles server, long errors, double clientCpuMicros, long bodyBytes) {
    }

    static Outcome run(HttpProbe probe, String path, int expectedStatus, int requests, Duration budget) {
        Latency client = new Latency();
        Latency server = new Latency();
        long errors = 0;
        long bodyBytes = 0;
        int sent = 0;
        long deadline = System.nanoTime() + budget.toNanos();
        long cpu0 = THREADS.getCurrentThreadCpuTime();
        while (sent < requests && (sent == 0 || System.nanoTime() < deadline)) {
            sent++;
            long t0 = System.nanoTime();
            HttpProbe.Reply reply;
            try {
                reply = probe.get(path);
            } catch (IOException e) {
                errors++;
                if (errors == 1) {
                    Datasets.log("  " + path + " failed: " + e);
                }
                continue;
            }
            long t1 = System.nanoTime();
            if (reply.status() != expectedStatus) {
                errors++;
                if (errors == 1) {
                    Datasets.log("  " + path + " answered " + reply.status() + ": " + abbreviate(reply.text()));
                }
                continue;
            }
            client.recordNanos(t1 - t0);
            SlowRequests.note(path, t0, t1, reply.serverMillis());
            bodyBytes = reply.body().length;
            if (!Double.isNaN(reply.serverMillis())) {
                server.recordMillis(reply.serverMillis());
            }
        }
        double cpuMicros = (THREADS.getCurrentThreadCpuTime() - cpu0) / 1000.0 / Math.max(1, sent);
        SlowRequests.flush();
        return new Outcome(Percentiles.of(client), Percentiles.of(server), errors, cpuMicros, bodyBytes);
    }

    /** Sends {@code requests} requests and ignores the answers (warm-up). */
    static void warm(HttpProbe probe, String path, int requests) {
        for (int i = 0; i < requests; i++) {
            try {
                probe.get(path);
            } catch (IOException e) {
                // counted when measured
            }
        }
    }

    private static String abbreviate(String text) {
        return text.length() > 300 ? text.substring(0, 300) + "…" : text;
    }
}
