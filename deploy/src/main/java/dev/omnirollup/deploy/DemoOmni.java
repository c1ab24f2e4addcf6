package dev.omnirollup.deploy;

import dev.omnirollup.sim.Instance;
import dev.omnirollup.sim.OmniEvent;
import dev.omnirollup.sim.OmniSchema;
import dev.omnirollup.sim.ReferencePersistence;
import dev.omnirollup.sim.TrafficGenerator;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The demo's stand-in for an Omni database: Omni's tables (the same DDL as {@code deploy/sql/omni-schema.sql}), the
 * instances, an API key, some dead letters and stored payloads, and a history of events written with upstream's
 * persistence rules. Writes Omni's tables, so it only ever runs against a database that holds no Omni data.
 */
final class DemoOmni {
    private static final String ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private final String jdbcUrl;
    private final String schema;

    DemoOmni(String jdbcUrl, String schema) {
        this.jdbcUrl = jdbcUrl;
        this.schema = schema;
    }

    Connection connect() throws SQLException {
        Connection connection = DriverManager.getConnection(jdbcUrl);
        try (Statement st = connection.createStatement()) {
            st.execute("SET TIME ZONE 'UTC'");
            st.execute("SET search_path TO \"" + schema + "\"");
        }
        return connection;
    }

    /**
     * Refuses a database that holds Omni data or an earlier omni-rollup state: the demo writes simulated traffic into
     * Omni's tables and records its own cutover.
     */
    void requireEmpty(String rollupSchema) {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            String reason = null;
            try (ResultSet rs = st.executeQuery("SELECT to_regclass('\"" + schema + "\".omni_events') IS NOT NULL, "
                    + "to_regclass('\"" + rollupSchema + "\".settings') IS NOT NULL")) {
                rs.next();
                if (rs.getBoolean(1)) {
                    try (Statement count = c.createStatement();
                            ResultSet rows = count.executeQuery("SELECT EXISTS (SELECT 1 FROM omni_events)")) {
                        rows.next();
                        if (rows.getBoolean(1)) {
                            reason = "its table " + schema + ".omni_events holds rows";
                        }
                    }
                }
                if (reason == null && rs.getBoolean(2)) {
                    reason = "it already holds omni-rollup's schema '" + rollupSchema + "'";
                }
            }
            if (reason != null) {
                throw new Failure(Failure.INVALID, "the demo needs an empty database, but " + reason,
                        "point database-url at a new, empty database, or leave it unset for the embedded PostgreSQL "
                                + "(the demo writes simulated Omni traffic)");
            }
        } catch (SQLException e) {
            throw new Failure(Failure.UNAVAILABLE, "checking the demo database failed: " + e.getMessage(), "", e);
        }
    }

    /** Creates Omni's tables and the instances; returns the API key to print (a new one unless configured). */
    String prepare(List<Instance> instances, java.util.Optional<String> staticKey) throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbcUrl); Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA IF NOT EXISTS \"" + schema + "\"");
        }
        try (Connection c = connect()) {
            org.jdbi.v3.core.Jdbi.create(c).useHandle(OmniSchema::create);
            new ReferencePersistence(c).ensureInstances(instances);
            if (staticKey.isPresent()) {
                return staticKey.get();
            }
            String key = newKey();
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO api_keys (name, description, key_prefix, "
                    + "key_hash, scopes) VALUES ('omni-rollup demo', 'created by omni-rollup demo', ?, ?, "
                    + "ARRAY['*'])")) {
                ps.setString(1, key.substring(0, 12));
                ps.setString(2, sha256Hex(key));
                ps.executeUpdate();
            }
            return key;
        }
    }

    /** Writes {@code count} events over {@code [end - span, end)} into Omni's tables as upstream would. */
    ReferencePersistence.Stats writeHistory(long seed, List<Instance> instances, Instant end, Duration span, int count)
            throws SQLException {
        List<OmniEvent> events = TrafficGenerator.generate(TrafficGenerator.Config.of(seed, end, span, count,
                instances));
        try (Connection c = connect()) {
            ReferencePersistence persistence = new ReferencePersistence(c);
            ReferencePersistence.Stats total = new ReferencePersistence.Stats(0, 0, 0, 0, 0, 0);
            for (int from = 0; from < events.size(); from += 5_000) {
                ReferencePersistence.Stats stats = persistence.apply(events.subList(from,
                        Math.min(events.size(), from + 5_000)));
                total = new ReferencePersistence.Stats(total.inserted() + stats.inserted(),
                        total.updated() + stats.updated(), total.skipped() + stats.skipped(),
                        total.lost() + stats.lost(), total.automationLogs() + stats.automationLogs(),
                        total.instanceUpdates() + stats.instanceUpdates());
            }
            writeDeadLettersAndPayloads(c, seed, end, span);
            return total;
        }
    }

    /** A few dead letters in every status and some stored payloads, as Omni's DLQ and payload store would hold. */
    private static void writeDeadLettersAndPayloads(Connection c, long seed, Instant end, Duration span)
            throws SQLException {
        SplittableRandom random = new SplittableRandom(seed ^ 0xDEADL);
        String[] statuses = {"pending", "pending", "pending", "retrying", "retrying", "resolved", "resolved",
            "resolved", "resolved", "abandoned"};
        String[] errors = {"Connection closed by remote host", "Timeout after 30000ms", "Rate limited (429)",
            "Instance not connected"};
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO dead_letter_events (event_id, event_type, subject, "
                + "payload, error, auto_retry_count, status, created_at) VALUES (?, 'message.received', "
                + "'message.received.whatsapp-baileys', '{}'::jsonb, ?, ?, ?, ?)")) {
            for (int i = 0; i < statuses.length * 2; i++) {
                ps.setString(1, TrafficGenerator.uuid(random).toString());
                ps.setString(2, errors[i % errors.length]);
                ps.setInt(3, random.nextInt(4));
                ps.setString(4, statuses[i % statuses.length]);
                ps.setObject(5, utc(end.minusMillis(random.nextLong(span.toMillis()))));
                ps.addBatch();
            }
            ps.executeBatch();
        }
        String[] stages = {"webhook_raw", "agent_request", "agent_response", "channel_send", "error"};
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO event_payloads (event_id, event_type, stage, "
                + "payload_compressed, payload_size_original, payload_size_compressed, \"timestamp\") "
                + "VALUES (?, 'message.received', ?, 'H4sIAAAAAAAAA6tWKkktLlGyUlAqS8wpTVWqBQBSqU1uEgAAAA==', ?, 56, ?)")) {
            for (int i = 0; i < 60; i++) {
                ps.setString(1, TrafficGenerator.uuid(random).toString());
                ps.setString(2, stages[i % stages.length]);
                ps.setInt(3, 200 + random.nextInt(4000));
                ps.setObject(4, utc(end.minusMillis(random.nextLong(span.toMillis()))));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    static String newKey() {
        SecureRandom random = new SecureRandom();
        StringBuilder key = new StringBuilder("omni_sk_");
        for (int i = 0; i < 32; i++) {
            key.append(ALPHANUMERIC.charAt(random.nextInt(ALPHANUMERIC.length())));
        }
        return key.toString();
    }

    static String sha256Hex(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static LocalDateTime utc(Instant instant) {
        return LocalDateTime.ofInstant(instant, ZoneOffset.UTC);
    }
}
