package dev.omnirollup.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;

/**
 * Sends one path sequentially, as one dashboard tab would, and times every exchange at the client: from writing the
 * request (connecting first, for a new connection each time) to the last byte of the body. Records the server's
 * {@code Server-Timing} and the client thread's own CPU time. Stops after {@code requests} or {@code budget}.
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

    /**
     * The exchanges of one path on one server, gathered over several rounds (the client benchmark interleaves the
     * rounds of its data sets, so that a slow minute of the machine falls on all of them alike). Mutable, one thread.
     */
    static final class Tally {
        private final Latency client = new Latency();
        private final Latency server = new Latency();
        private long errors;
        private long bodyBytes;
        private long sent;
        private long cpuNanos;

        /** Sends {@code requests} more requests, or as many as {@code budget} allows (at least one). */
        void add(HttpProbe probe, String path, int expectedStatus, int requests, Duration budget) {
            long deadline = System.nanoTime() + budget.toNanos();
            long cpu0 = THREADS.getCurrentThreadCpuTime();
            int round = 0;
            while (round < requests && (round == 0 || System.nanoTime() < deadline)) {
                round++;
                long t0 = System.nanoTime();
                HttpProbe.Reply reply;
                try {
                    reply = probe.get(path);
                } catch (IOException e) {
                    if (++errors == 1) {
                        Datasets.log("  " + path + " failed: " + e);
                    }
                    continue;
                }
                long t1 = System.nanoTime();
                if (reply.status() != expectedStatus) {
                    if (++errors == 1) {
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
            cpuNanos += THREADS.getCurrentThreadCpuTime() - cpu0;
            sent += round;
            SlowRequests.flush();
        }

        Outcome outcome() {
            return new Outcome(Percentiles.of(client), Percentiles.of(server), errors,
                    cpuNanos / 1000.0 / Math.max(1, sent), bodyBytes);
        }
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
