package dev.omnirollup.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Watches {@code GET /api/v2/automation-metrics} as a dashboard would, on its own thread: on one keep-alive
 * connection, the next request {@code every} after each answer, recording each answer whose {@code totalExecutions}
 * is higher than any before, with the time the answer arrived.
 */
final class ExecutionsPoller implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String PATH = "/api/v2/automation-metrics";

    /**
     * An answer that counted more executions than any before.
     *
     * @param nanos           {@link System#nanoTime()} when the answer had arrived
     * @param totalExecutions its {@code totalExecutions}
     */
    record Sighting(long nanos, long totalExecutions) {
    }

    /**
     * What the poller saw.
     *
     * @param sightings every answer that counted more executions than any before, in order
     * @param requests  requests sent
     * @param errors    answers other than 200 (ignored otherwise)
     */
    record Observed(List<Sighting> sightings, long requests, long errors) {
        Observed {
            sightings = List.copyOf(sightings);
        }
    }

    private final List<Sighting> sightings = new ArrayList<>();
    private final Thread thread;
    private volatile long highest;
    private long requests;
    private long errors;
    private volatile long stopAtCount = Long.MAX_VALUE;
    private volatile long deadline = Long.MAX_VALUE;
    private volatile Throwable failure;

    private ExecutionsPoller(ApiProcess.Running api, Duration every) {
        this.thread = Thread.ofPlatform().name("executions-poller").daemon().start(() -> poll(api, every));
    }

    static ExecutionsPoller start(ApiProcess.Running api, Duration every) {
        return new ExecutionsPoller(api, every);
    }

    /**
     * Keeps polling until an answer counts at least {@code count} executions or {@code grace} has passed, then stops;
     * returns what it saw.
     */
    Observed stopAt(long count, Duration grace) throws InterruptedException {
        stopAtCount = count;
        deadline = System.nanoTime() + grace.toNanos();
        thread.join();
        if (failure != null) {
            throw new IllegalStateException("polling " + PATH + " failed", failure);
        }
        return new Observed(sightings, requests, errors);
    }

    /** Stops at once (idempotent). */
    @Override
    public void close() throws InterruptedException {
        deadline = 0;
        thread.join();
    }

    private void poll(ApiProcess.Running api, Duration every) {
        try (HttpProbe probe = api.probe()) {
            while (highest < stopAtCount && System.nanoTime() < deadline) {
                HttpProbe.Reply reply = probe.get(PATH);
                long now = System.nanoTime();
                requests++;
                if (reply.status() != 200) {
                    errors++;
                } else {
                    long count = JSON.readTree(reply.body()).path("totalExecutions").asLong();
                    if (count > highest) {
                        sightings.add(new Sighting(now, count));
                        highest = count;
                    }
                }
                Thread.sleep(every);
            }
        } catch (Throwable e) {
            failure = e;
        }
    }
}
