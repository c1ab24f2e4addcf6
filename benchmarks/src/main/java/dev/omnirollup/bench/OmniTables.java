package dev.omnirollup.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * What the data sets do to Omni's tables besides BulkHistory's rows: the small live tables upstream's metrics also read
 * (dead letters, stored payloads), and the physical time order of Omni's append-only tables. Stateless.
 */
final class OmniTables {
    private OmniTables() {
    }

    /**
     * Adds {@code max(10, rows / 2000)} dead letters (every status) and {@code max(10, rows / 100)} stored payloads (a
     * tenth deleted), for a data set of {@code rows} {@code omni_events} rows.
     */
    static void fillSmallTables(String url, long rows) {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("SET synchronous_commit = off");
            s.execute("""
                    INSERT INTO dead_letter_events (event_id, event_type, subject, payload, error, status, created_at)
                    SELECT md5(g::text)::uuid::text,
                           (ARRAY['message.received','message.sent','message.failed'])[1 + mod(g, 3)],
                           'message.received.whatsapp-baileys.x', '{}'::jsonb, 'handler failed',
                           (ARRAY['pending','pending','retrying','resolved','abandoned'])[1 + mod(g, 5)],
                           now() - g * interval '1 minute'
                      FROM generate_series(1, %d) g""".formatted(Math.max(10, rows / 2000)));
            s.execute("""
                    INSERT INTO event_payloads (event_id, event_type, stage, payload_compressed, payload_size_original,
                                                payload_size_compressed, deleted_at)
                    SELECT md5(g::text)::uuid::text, 'message.received', 'webhook_raw', 'H4sI', 900 + mod(g, 500),
                           300 + mod(g, 200), CASE WHEN mod(g, 10) = 0 THEN now() END
                      FROM generate_series(1, %d) g""".formatted(Math.max(10, rows / 100)));
        } catch (SQLException e) {
            throw new IllegalStateException("filling the small tables failed: " + e.getMessage(), e);
        }
    }

    /**
     * {@code CLUSTER}s {@code omni_events} and {@code automation_logs} on their time indexes and vacuums Omni's tables:
     * Omni appends rows as events happen, so its tables are physically in time order (BulkHistory's are only roughly).
     */
    static void clusterByTime(String url) {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("SET maintenance_work_mem = '512MB'");
            s.execute("CLUSTER omni_events USING omni_events_received_at_idx");
            s.execute("CLUSTER automation_logs USING automation_logs_created_at_idx");
            s.execute("VACUUM ANALYZE omni_events");
            s.execute("VACUUM ANALYZE automation_logs");
            s.execute("VACUUM ANALYZE dead_letter_events");
            s.execute("VACUUM ANALYZE event_payloads");
        } catch (SQLException e) {
            throw new IllegalStateException("clustering failed: " + e.getMessage(), e);
        }
    }
}
