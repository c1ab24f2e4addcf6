package dev.omnirollup.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScratchDatabaseTest {

    @Test
    void createsSchemaIdempotentlyAndDropsOnClose() throws SQLException {
        String name;
        String server;
        Connection lingering;
        try (ScratchDatabase db = ScratchDatabase.create().withOmniSchema()) {
            name = db.name();
            server = db.serverUrl();
            assertTrue(name.matches("omni_rollup_t_[a-z0-9]{12}"), name);
            assertTrue(db.jdbcUrl().contains("/" + name + "?") && db.jdbcUrl().contains("user="), db.jdbcUrl());
            db.withOmniSchema(); // idempotent
            try (Connection c = db.connect()) {
                List<String> indexes = strings(c, "SELECT indexname FROM pg_indexes WHERE tablename = 'omni_events'"
                        + " ORDER BY indexname");
                assertEquals(List.of("omni_events_canonical_chat_idx", "omni_events_channel_idx",
                        "omni_events_chat_id_idx", "omni_events_external_id_idx", "omni_events_instance_idx",
                        "omni_events_person_idx", "omni_events_pkey", "omni_events_received_at_idx",
                        "omni_events_status_idx", "omni_events_type_idx"), indexes);
                List<String> tables = strings(c, "SELECT table_name FROM information_schema.tables"
                        + " WHERE table_schema = 'public' ORDER BY table_name");
                assertEquals(List.of("api_key_audit_logs", "api_keys", "automation_logs", "automations",
                        "consumer_offsets", "dead_letter_events", "event_payloads", "instances", "omni_events",
                        "payload_storage_config", "persons", "platform_identities"), tables);
                assertEquals(List.of("timestamp without time zone"), strings(c, "SELECT data_type FROM"
                        + " information_schema.columns WHERE table_name = 'omni_events' AND column_name = 'received_at'"));
                assertEquals(37, strings(c, "SELECT column_name FROM information_schema.columns"
                        + " WHERE table_name = 'omni_events'").size());
                assertEquals(19, strings(c, "SELECT column_name FROM information_schema.columns"
                        + " WHERE table_name = 'api_keys'").size());
                // defaults
                try (Statement s = c.createStatement()) {
                    s.execute("INSERT INTO omni_events (channel, event_type) VALUES ('discord', 'message.received')");
                }
                assertEquals(List.of("inbound|received"), strings(c, "SELECT direction || '|' || status FROM omni_events"));
            }
            // a second session is terminated by close()
            lingering = db.connect();
            assertFalse(lingering.isClosed());
        }
        lingering.close();
        try (Connection admin = DriverManager.getConnection(server);
                PreparedStatement s = admin.prepareStatement("SELECT count(*) FROM pg_database WHERE datname = ?")) {
            s.setString(1, name);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                assertEquals(0, rs.getInt(1));
            }
        }
    }

    @Test
    void copiesADatabase() throws SQLException {
        try (ScratchDatabase db = ScratchDatabase.create().withOmniSchema()) {
            db.jdbi().useHandle(h -> h.execute("INSERT INTO instances (name, channel) VALUES ('a', 'discord')"));
            Connection open = db.connect(); // terminated by copy()
            try (ScratchDatabase copy = db.copy();
                    Connection c = copy.connect()) {
                assertEquals(List.of("a"), strings(c, "SELECT name FROM instances"));
                copy.jdbi().useHandle(h -> h.execute("INSERT INTO instances (name, channel) VALUES ('b', 'slack')"));
            }
            open.close();
            try (Connection c = db.connect()) {
                assertEquals(List.of("a"), strings(c, "SELECT name FROM instances"));
            }
        }
    }

    @Test
    void normalizesUrls() {
        assertEquals("jdbc:postgresql://h:5432/postgres?user=postgres",
                ScratchDatabase.normalize("jdbc:postgresql://h:5432/postgres"));
        assertEquals("jdbc:postgresql://h:5433/db?user=bob&password=p%40ss",
                ScratchDatabase.normalize("postgres://bob:p%40ss@h:5433/db"));
        assertEquals("jdbc:postgresql://h/other?user=x&ssl=false",
                ScratchDatabase.withDatabase("jdbc:postgresql://h/postgres?user=x&ssl=false", "other"));
        assertEquals("jdbc:postgresql://h:5432/bench_1m?user=postgres",
                ScratchDatabase.databaseUrl("jdbc:postgresql://h:5432/postgres", "bench_1m"));
        assertEquals("jdbc:postgresql://h:5433/bench_1m?user=bob&password=p%40ss",
                ScratchDatabase.databaseUrl("postgres://bob:p%40ss@h:5433/db", "bench_1m"));
        assertThrows(IllegalArgumentException.class, () -> ScratchDatabase.normalize("mysql://h/db"));
        assertThrows(IllegalArgumentException.class, () -> ScratchDatabase.normalize(" "));
    }

    @Test
    void namesAreOnlyTheGeneratedOnes() {
        String generated = ScratchDatabase.NAME_PREFIX + ScratchDatabase.randomSuffix(12);
        assertEquals(generated, ScratchDatabase.requireGeneratedName(generated));
        for (String name : List.of("omni_rollup_t_ABCDEFGHIJKL", "omni_rollup_t_abc", "omni_rollup_t_abcdefghijklm",
                "postgres", "omni_rollup_t_abcdefghijkl; DROP DATABASE postgres", "\"omni_rollup_t_abcdefghijkl\"")) {
            assertThrows(IllegalArgumentException.class, () -> ScratchDatabase.requireGeneratedName(name), name);
        }
    }

    static List<String> strings(Connection c, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
