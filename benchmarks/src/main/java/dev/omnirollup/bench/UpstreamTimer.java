package dev.omnirollup.bench;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.postgres.PostgresPlugin;

/**
 * Times upstream's plain SQL for one endpoint on the data set, the way Omni answers it today: the statements of
 * omni-sim's {@code UpstreamQueries} on one connection, no transaction, timed around the calls (database time plus
 * Jdbi and JDBC, no HTTP and no JSON). One call first as warm-up; then up to {@code maxCalls} calls or {@code budget},
 * at least {@code minCalls}. Stateless.
 */
final class UpstreamTimer {
    private UpstreamTimer() {
    }

    static Percentiles time(String jdbcUrl, QueryLatencyBench.Baseline sql, int minCalls, int maxCalls,
                            Duration budget) {
        Latency latency = new Latency();
        try (Handle c = open(jdbcUrl)) {
            sql.run(c, Instant.now());
            long started = System.nanoTime();
            int n = 0;
            while (n < maxCalls && (n < minCalls || System.nanoTime() - started < budget.toNanos())) {
                long t0 = System.nanoTime();
                sql.run(c, Instant.now());
                latency.recordNanos(System.nanoTime() - t0);
                n++;
            }
        } catch (SQLException | JdbiException e) {
            throw new IllegalStateException("upstream SQL failed: " + e.getMessage(), e);
        }
        return Percentiles.of(latency);
    }

    /** A handle on a new connection to {@code jdbcUrl}, as omni-sim's own ({@link PostgresPlugin} installed). */
    static Handle open(String jdbcUrl) {
        return Jdbi.create(jdbcUrl).installPlugin(new PostgresPlugin()).open();
    }
}
