package dev.omnirollup.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class BulkHistoryTest {

    static final Instant END = Instant.parse("2026-02-10T12:00:00Z");

    @Test
    void twoHundredThousandRealisticRowsQuickly() throws SQLException {
        try (ScratchDatabase db = ScratchDatabase.create().withOmniSchema()) {
            Map<String, String> indexesBefore = indexes(db);
            BulkHistory.Options options = BulkHistory.Options.of(200_000, END, Duration.ofDays(90))
                    .withAutomationLogs(20_000);
            BulkHistory.Result result = BulkHistory.fill(db, options);
            // 200 000 events into an empty omni_events: its nine secondary indexes were dropped for the load and
            // rebuilt exactly as they were (20 000 logs are too few for automation_logs' to be worth it)
            Map<String, String> indexesAfter = indexes(db);
            assertEquals(15, indexesBefore.size());
            assertEquals(definitions(indexesBefore), definitions(indexesAfter));
            Set<String> kept = indexesBefore.keySet().stream().filter(indexesAfter::containsKey)
                    .map(key -> key.split(" ")[1]).collect(Collectors.toSet());
            assertEquals(Set.of("omni_events_pkey", "automation_logs_pkey", "automation_logs_automation_id_idx",
                    "automation_logs_event_id_idx", "automation_logs_status_idx", "automation_logs_created_at_idx"),
                    kept, "the indexes not rebuilt: " + indexesBefore + " " + indexesAfter);
            System.out.printf("BulkHistory: %d events + %d logs in %d ms (loading %d ms, indexes + analyze %d ms)"
                    + " = %.0f rows/s%n", result.events(), result.automationLogs(), result.elapsed().toMillis(),
                    result.loading().toMillis(), result.indexing().toMillis(), result.rowsPerSecond());
            assertEquals(50, result.instances().size());
            try (Connection c = db.connect()) {
                assertEquals(200_000, scalar(c, "SELECT count(*) FROM omni_events"));
                assertEquals(20_000, scalar(c, "SELECT count(*) FROM automation_logs"));
                assertEquals(50, scalar(c, "SELECT count(*) FROM instances"));
                assertEquals(0, scalar(c, "SELECT count(*) FROM omni_events WHERE received_at < '2025-11-12 12:00:00'"
                        + " OR received_at >= '2026-02-10 12:00:00'"));
                Map<String, Long> channels = group(c, "SELECT channel, count(*) FROM omni_events GROUP BY 1");
                assertEquals(5, channels.size(), channels.toString());
                Map<String, Long> types = group(c, "SELECT event_type, count(*) FROM omni_events GROUP BY 1");
                assertEquals(5, types.size(), types.toString());
                assertBetween(types.get("message.received"), 85_000, 95_000);
                assertBetween(types.get("message.failed"), 12_000, 16_000);
                Map<String, Long> content = group(c, "SELECT coalesce(content_type, 'NULL'), count(*) FROM omni_events"
                        + " GROUP BY 1");
                assertEquals(10, content.size(), content.toString());
                assertEquals(20, scalar(c, "SELECT count(DISTINCT error_stage) FROM omni_events"));
                assertEquals(0, scalar(c, "SELECT count(*) FROM omni_events WHERE error_stage IS NOT NULL"
                        + " AND status <> 'failed'"));
                assertEquals(0, scalar(c, "SELECT count(*) FROM omni_events WHERE (event_type = 'message.received')"
                        + " <> (direction = 'inbound')"));
                Map<String, Long> statuses = group(c, "SELECT status, count(*) FROM omni_events GROUP BY 1");
                assertEquals(Map.of("received", 1L, "completed", 1L, "failed", 1L).keySet(), statuses.keySet());
                assertBetween(scalar(c, "SELECT count(*) FROM omni_events WHERE instance_id IS NULL"), 1_000, 3_000);
                assertBetween(scalar(c, "SELECT count(*) FROM omni_events WHERE received_at >= '2026-02-10 11:00:00'"),
                        3_800, 4_200);
                assertBetween(scalar(c, "SELECT count(*) FROM omni_events WHERE received_at >= '2026-02-09 12:00:00'"),
                        23_500, 24_500);
                assertEquals(0, scalar(c, "SELECT count(*) FROM omni_events WHERE processing_time_ms IS NOT NULL"));
                // all instances get traffic, some much more than others
                Map<String, Long> perInstance = group(c, "SELECT instance_id::text, count(*) FROM omni_events"
                        + " WHERE instance_id IS NOT NULL GROUP BY 1");
                assertEquals(50, perInstance.size());
                long max = perInstance.values().stream().mapToLong(Long::longValue).max().orElseThrow();
                long min = perInstance.values().stream().mapToLong(Long::longValue).min().orElseThrow();
                assertTrue(max > 3 * min, "max " + max + " min " + min);
                assertBetween(scalar(c, "SELECT count(DISTINCT external_id) FROM omni_events"), 180_000, 200_000);
                UpstreamQueries.AutomationMetrics automation = db.jdbi()
                        .withHandle(h -> UpstreamQueries.automationMetrics(h, END));
                assertBetween(Math.round(automation.successRate()), 72, 78);
                assertTrue(automation.totalActions() > 20_000);
                assertTrue(db.jdbi().withHandle(h -> UpstreamQueries.metrics(h, END)).avgProcessingTimeMs().isEmpty());
            }
            BulkHistory.Result more = BulkHistory.fill(db, new BulkHistory.Options(10_000, 0, END.minus(Duration.ofDays(1)),
                    END, 5, 0.5, 3_000, 1));
            assertEquals(5, more.instances().size());
            try (Connection c = db.connect()) {
                assertBetween(scalar(c, "SELECT count(*) FROM omni_events WHERE processing_time_ms IS NOT NULL"), 4_000,
                        6_000);
                Optional<Integer> p95 = db.jdbi().withHandle(h -> UpstreamQueries.metrics(h, END))
                        .p95ProcessingTimeMs();
                assertTrue(p95.isPresent() && p95.get() > 1_000, p95.toString());
            }
        }
    }

    @Test
    void evenSpreadFillsEveryMinuteAndEveryInstance() throws SQLException {
        try (ScratchDatabase db = ScratchDatabase.create().withOmniSchema()) {
            Duration span = Duration.ofDays(10); // 14 400 minutes
            BulkHistory.Options options = BulkHistory.Options.of(20_000, END, span).withInstances(30)
                    .withAutomationLogs(5_000).withSpread(BulkHistory.Spread.EVEN);
            BulkHistory.Result result = BulkHistory.fill(db, options);
            assertEquals(30, result.instances().size());
            try (Connection c = db.connect()) {
                assertEquals(20_000, scalar(c, "SELECT count(*) FROM omni_events"));
                assertEquals(0, scalar(c, "SELECT count(*) FROM omni_events WHERE received_at < '2026-01-31 12:00:00'"
                        + " OR received_at >= '2026-02-10 12:00:00'"));
                assertEquals(14_400, scalar(c, "SELECT count(DISTINCT date_trunc('minute', received_at))"
                        + " FROM omni_events"));
                // evenly: the last day holds a tenth of the rows, the last hour 1/240 (83), not 2 %
                assertBetween(scalar(c, "SELECT count(*) FROM omni_events WHERE received_at >= '2026-02-09 12:00:00'"),
                        1_990, 2_010);
                assertBetween(scalar(c, "SELECT count(*) FROM omni_events WHERE received_at >= '2026-02-10 11:00:00'"),
                        80, 86);
                assertEquals(30, scalar(c, "SELECT count(*) FROM instances"));
                assertEquals(30, scalar(c, "SELECT count(DISTINCT instance_id) FROM omni_events"
                        + " WHERE received_at >= '2026-02-09 12:00:00'"), "every instance is active in the last day");
                assertEquals(0, scalar(c, "SELECT count(*) FROM automation_logs WHERE created_at < '2026-01-31 12:00:00'"
                        + " OR created_at >= '2026-02-10 12:00:00'"));
                assertBetween(scalar(c, "SELECT count(*) FROM automation_logs WHERE created_at >= '2026-02-09 12:00:00'"),
                        350, 650);
            }
        }
    }

    /** The indexes of omni_events and automation_logs, {@code oid name} to their definitions. */
    private static Map<String, String> indexes(ScratchDatabase db) {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT indexrelid::text || ' ' || indexrelid::regclass::text,"
                        + " pg_get_indexdef(indexrelid) FROM pg_index"
                        + " WHERE indrelid IN ('omni_events'::regclass, 'automation_logs'::regclass)")
                .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getString(2))).list().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
    }

    private static Set<String> definitions(Map<String, String> indexes) {
        return Set.copyOf(indexes.values());
    }

    private static void assertBetween(long value, long low, long high) {
        assertTrue(value >= low && value <= high, value + " not in [" + low + ", " + high + "]");
    }

    private static long scalar(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static Map<String, Long> group(Connection c, String sql) throws SQLException {
        Map<String, Long> out = new HashMap<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.put(rs.getString(1), rs.getLong(2));
            }
        }
        return out;
    }
}
