package dev.omnirollup.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/**
 * A sampling profiler of PostgreSQL's side: every 10 ms it reads {@code pg_stat_activity} for one database and counts
 * which statement each active backend runs and what it waits on (no wait = on CPU). The share of samples per
 * statement approximates where the database's time goes (pg_stat_statements is not loaded on these machines).
 * Start with {@link #start}, stop with {@link #close()}; then {@link #publish}.
 */
final class PgSampler implements AutoCloseable {
    private final Thread thread;
    private final Map<String, Integer> statements = new HashMap<>();
    private final Map<String, Integer> waits = new HashMap<>();
    private final Map<String, Integer> lockWaits = new HashMap<>();
    private volatile boolean stopping;
    private int samples;
    private int busy;
    private int idleInTransaction;

    private PgSampler(String jdbcUrl, String database) {
        thread = Thread.ofPlatform().name("pg-sampler").daemon().start(() -> loop(jdbcUrl, database));
    }

    static PgSampler start(String jdbcUrl, String database) {
        return new PgSampler(jdbcUrl, database);
    }

    private void loop(String jdbcUrl, String database) {
        try (Connection c = DriverManager.getConnection(jdbcUrl);
             PreparedStatement ps = c.prepareStatement("SELECT query, wait_event_type, wait_event, state"
                     + " FROM pg_stat_activity WHERE datname = ? AND state IN ('active', 'idle in transaction')"
                     + " AND pid <> pg_backend_pid()")) {
            ps.setString(1, database);
            while (!stopping) {
                synchronized (this) {
                    samples++;
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        if (rs.getString(4).equals("idle in transaction")) {
                            synchronized (this) {
                                idleInTransaction++;
                            }
                            continue;
                        }
                        String query = normalize(rs.getString(1));
                        String wait = rs.getString(2) == null ? "CPU" : rs.getString(2) + ":" + rs.getString(3);
                        synchronized (this) {
                            busy++;
                            statements.merge(query, 1, Integer::sum);
                            waits.merge(wait, 1, Integer::sum);
                            if ("Lock".equals(rs.getString(2))) {
                                lockWaits.merge(query, 1, Integer::sum);
                            }
                        }
                    }
                }
                Thread.sleep(10);
            }
        } catch (SQLException | InterruptedException e) {
            // stop sampling
        }
    }

    static String normalize(String query) {
        String q = query == null ? "" : query.replaceAll("\\s+", " ").replaceAll("\\$\\d+", "?").trim();
        return q.length() > 140 ? q.substring(0, 140) + "…" : q;
    }

    @Override
    public void close() {
        stopping = true;
        try {
            thread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Statements, waits and the statements waiting on a lock, by share of active-backend samples. */
    synchronized void publish(Report report, String name, String title) {
        Table table = new Table(name, title, "share of active samples %", "avg active backends", "statement / wait");
        statements.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(15)
                .forEach(e -> table.add(100.0 * e.getValue() / Math.max(1, busy), (double) e.getValue() / samples,
                        e.getKey()));
        waits.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(8)
                .forEach(e -> table.add(100.0 * e.getValue() / Math.max(1, busy), (double) e.getValue() / samples,
                        "wait: " + e.getKey()));
        lockWaits.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(5)
                .forEach(e -> table.add(100.0 * e.getValue() / Math.max(1, busy), (double) e.getValue() / samples,
                        "lock wait in: " + e.getKey()));
        table.add("", (double) idleInTransaction / samples, "idle in transaction (the client's time inside its"
                + " transactions: its own work and the network)");
        table.note(samples + " samples of pg_stat_activity every 10 ms; " + busy + " active-backend observations");
        table.publish(report);
    }
}
