package dev.omnirollup.bench;

import dev.omnirollup.sim.OmniEvent;
import dev.omnirollup.sim.OmniOperations;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * Writes manual runs of one automation into {@code automation_logs} as Omni does ({@link OmniOperations#manualRun},
 * one autocommit {@code INSERT} each, {@code created_at} by the database) at a steady rate, plus one extra run, a
 * <em>marker</em>, every {@code markerEvery}; for each marker it records when its insert returned (committed) and how
 * many rows were committed up to and including it. Runs on the caller's thread; the caller owns the handle.
 */
final class AutomationRunWriter {
    /**
     * One marker run.
     *
     * @param committedNanos {@link System#nanoTime()} when its autocommit insert returned
     * @param rowsCommitted  rows this writer had committed up to and including it
     * @param insertNanos    how long its insert (statement and commit) took
     */
    record Marker(long committedNanos, long rowsCommitted, long insertNanos) {
    }

    /**
     * What was written.
     *
     * @param rows         every row committed, markers included
     * @param achievedRate runs per second, markers left out
     * @param markers      the markers in commit order
     */
    record Written(long rows, double achievedRate, List<Marker> markers) {
        Written {
            markers = List.copyOf(markers);
        }
    }

    private AutomationRunWriter() {
    }

    /**
     * Writes {@code runsPerSecond} runs per second (0: markers only) and a marker every {@code markerEvery} until
     * {@code duration} has passed.
     */
    static Written write(Handle c, UUID automationId, long runsPerSecond, Duration markerEvery, Duration duration)
            throws SQLException, InterruptedException {
        if (!c.getConnection().getAutoCommit()) {
            throw new IllegalArgumentException("the writer's connection must be in autocommit mode, as Omni's is");
        }
        List<Marker> markers = new ArrayList<>();
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        long nextMarker = start;
        long runs = 0;
        long rows = 0;
        while (System.nanoTime() < end) {
            if (System.nanoTime() >= nextMarker) {
                long before = System.nanoTime();
                OmniOperations.manualRun(c, automationId, results(rows));
                long after = System.nanoTime();
                rows++;
                markers.add(new Marker(after, rows, after - before));
                nextMarker += markerEvery.toNanos();
            }
            long due = (long) ((System.nanoTime() - start) / 1e9 * runsPerSecond);
            while (runs < due && System.nanoTime() < nextMarker) {
                OmniOperations.manualRun(c, automationId, results(rows));
                runs++;
                rows++;
            }
            Thread.sleep(1);
        }
        return new Written(rows, runs / ((System.nanoTime() - start) / 1e9), markers);
    }

    /** The action results of run {@code i}: one action, every tenth run a second one that failed. */
    private static List<OmniEvent.ActionResult> results(long i) {
        OmniEvent.ActionResult log = new OmniEvent.ActionResult("log", "success", Optional.of("logged"),
                Optional.empty(), 2 + i % 7);
        if (i % 10 != 9) {
            return List.of(log);
        }
        return List.of(log, new OmniEvent.ActionResult("webhook", "failed", Optional.empty(),
                Optional.of("webhook answered 503"), 30 + i % 50));
    }
}
