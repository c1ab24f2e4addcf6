package dev.omnirollup.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;

/**
 * Times upstream's plain SQL for one endpoint on the data set, the way Omni answers it today: the statements of
 * omni-sim's {@code UpstreamQueries} on one connection, no transaction, timed around the JDBC calls (database time
 * plus JDBC, no HTTP and no JSON). One call first as warm-up; then up to {@code maxCalls} calls or {@code budget},
 * at least {@code minCalls}. Stateless.
 */
final class UpstreamTimer {
    private UpstreamTimer() {
    }

    static Percentiles time(String jdbcUrl, QueryLatencyBench.Baseline sql, int minCalls, int maxCalls,
                            Duration budget) {
        Latency latency = new Latency();
        try (Connection c = DriverManager.getConnection(jdbcUrl)) {
            sql.run(c, Instant.now());
            long started = System.nanoTime();
            int n = 0;
            while (n < maxCalls && (n < minCalls || System.nanoTime() - started < budget.toNanos())) {
                long t0 = System.nanoTime();
                sql.run(c, Instant.now());
                latency.recordNanos(System.nanoTime() - t0);
                n++;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("upstream SQL failed: " + e.getMessage(), e);
        }
        return Percentiles.of(latency);
    }
}
