package dev.omnirollup.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class UpstreamQueriesTest {

    static final Instant NOW = Instant.parse("2026-02-10T14:30:00.250Z");
    static final String A = "aaaaaaaa-0000-4000-8000-000000000001";
    static final String B = "bbbbbbbb-0000-4000-8000-000000000002";

    static ScratchDatabase db;
    Handle c;

    @BeforeAll
    static void database() {
        db = ScratchDatabase.create().withOmniSchema();
    }

    @AfterAll
    static void drop() {
        db.close();
    }

    @BeforeEach
    void clean() {
        sql("TRUNCATE omni_events, automation_logs, automations, instances, dead_letter_events,"
                + " event_payloads CASCADE");
        sql("INSERT INTO instances (id, name, channel, is_active) VALUES ('" + A + "', 'a', 'whatsapp-baileys',"
                + " true), ('" + B + "', 'b', 'discord', false)");
        c = db.jdbi().open();
    }

    @AfterEach
    void close() {
        c.close();
    }

    /** Inserts one omni_events row; {@code at} is UTC wall clock text. */
    static void event(String at, String channel, String instance, String direction, String status,
            String contentType, String errorStage, Integer processing, Integer agent) {
        sql("INSERT INTO omni_events (channel, instance_id, event_type, direction, status, content_type,"
                + " error_stage, received_at, processing_time_ms, agent_latency_ms) VALUES ('" + channel + "', "
                + quote(instance) + ", 'message.x', '" + direction + "', '" + status + "', " + quote(contentType)
                + ", " + quote(errorStage) + ", '" + at + "', " + processing + ", " + agent + ")");
    }

    /** Runs a statement of the test's own (built here from the test's constants) on a new connection. */
    static void sql(String text) {
        db.jdbi().useHandle(h -> h.execute(text));
    }

    static String quote(String s) {
        return s == null ? "NULL" : "'" + s + "'";
    }

    static String ago(Duration d) {
        return ReferencePersistence.utc(NOW.minus(d).toEpochMilli()).toString().replace('T', ' ');
    }

    @Test
    void emptyDatabaseMatchesTheContract() {
        sql("TRUNCATE instances CASCADE");
        UpstreamQueries.Metrics m = UpstreamQueries.metrics(c, NOW);
        assertEquals(new UpstreamQueries.Metrics(0, 0, 0, 0, 0.0, 0.0, 0, 0, 0, Optional.empty(), Optional.empty(),
                Optional.empty(), 0.0, Map.of(), 0, 0, 0, 0), m);
        UpstreamQueries.Analytics a = UpstreamQueries.analytics(c, NOW, Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), false);
        assertEquals(new UpstreamQueries.Analytics(0, 0, 0, 0.0, Optional.empty(), Optional.empty(), Map.of(),
                Map.of(), Map.of(), Map.of(), new UpstreamQueries.ByDirection(0, 0), Optional.empty()), a);
        assertEquals(Optional.of(List.of()), UpstreamQueries.analytics(c, NOW, Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.of("hourly"), true).timeline());
        assertEquals(new UpstreamQueries.DeadLetterStats(0, 0, 0, 0, 0, Map.of()),
                UpstreamQueries.deadLetterStats(c));
        assertEquals(new UpstreamQueries.AutomationMetrics(false, 0, 0, 0.0, 0, 0),
                UpstreamQueries.automationMetrics(c, NOW));
        assertEquals(new UpstreamQueries.HealthInstances(0, 0, Map.of()), UpstreamQueries.healthInstances(c));
    }

    @Test
    void contractExampleThreeRowsInTheLastHour() {
        event(ago(Duration.ofMinutes(5)), "whatsapp-baileys", A, "outbound", "completed", "text", null, null, null);
        event(ago(Duration.ofMinutes(6)), "whatsapp-baileys", A, "outbound", "completed", "text", null, null, null);
        event(ago(Duration.ofMinutes(7)), "whatsapp-baileys", A, "outbound", "failed", null, "WHATSAPP_RATE_LIMITED",
                null, null);
        UpstreamQueries.Metrics m = UpstreamQueries.metrics(c, NOW);
        assertEquals(new UpstreamQueries.Metrics(3, 3, 3, 3, 0.125, 0.05, 2, 1, 0, Optional.empty(), Optional.empty(),
                Optional.empty(), 33.33333333333333, Map.of("WHATSAPP_RATE_LIMITED", 1L), 0, 0, 0, 0), m);
        assertEquals("33.33333333333333", Double.toString(m.failureRate()));
        assertEquals((1.0 / 3) * 100, m.failureRate());
    }

    @Test
    void roundingOfAveragesAndPercentiles() {
        // avg 2.5 -> 3 (numeric, away from zero); p95 over (2, 3) = 2.95 -> 3; agent avg 1.5 -> 2
        event(ago(Duration.ofMinutes(1)), "discord", B, "inbound", "received", "text", null, 2, 1);
        event(ago(Duration.ofMinutes(2)), "discord", B, "inbound", "received", "text", null, 3, 2);
        UpstreamQueries.Metrics m = UpstreamQueries.metrics(c, NOW);
        assertEquals(Optional.of(3), m.avgProcessingTimeMs());
        assertEquals(Optional.of(2), m.avgAgentLatencyMs());
        assertEquals(Optional.of(3), m.p95ProcessingTimeMs());
        sql("TRUNCATE omni_events");
        // 11 values: nine 0, then 2 and 3 -> percentile_cont(0.95) = 2.5 exactly -> 2 (float, half to even)
        for (int i = 0; i < 9; i++) {
            event(ago(Duration.ofMinutes(1)), "discord", B, "inbound", "received", "text", null, 0, null);
        }
        event(ago(Duration.ofMinutes(1)), "discord", B, "inbound", "received", "text", null, 2, null);
        event(ago(Duration.ofMinutes(1)), "discord", B, "inbound", "received", "text", null, 3, null);
        m = UpstreamQueries.metrics(c, NOW);
        assertEquals(Optional.of(2), m.p95ProcessingTimeMs());
        assertEquals(Optional.of(0), m.avgProcessingTimeMs()); // 5/11
        assertEquals(Optional.empty(), m.avgAgentLatencyMs());
        sql("UPDATE omni_events SET processing_time_ms = 19 WHERE processing_time_ms = 2");
        sql("UPDATE omni_events SET processing_time_ms = 20 WHERE processing_time_ms = 3");
        assertEquals(Optional.of(20), UpstreamQueries.metrics(c, NOW).p95ProcessingTimeMs()); // 19.5 -> 20
        UpstreamQueries.Analytics a = UpstreamQueries.analytics(c, NOW, Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), false);
        assertEquals(Optional.of(4), a.avgProcessingTimeMs()); // 39/11 = 3.545...
        assertEquals(0.0, a.successRate());
    }

    @Test
    void windowsAndCounts() {
        event(ago(Duration.ofDays(8)), "telegram", null, "inbound", "received", "image", null, null, null);
        event(ago(Duration.ofDays(7)), "telegram", B, "inbound", "received", "image", null, null, null); // == 7d edge
        event(ago(Duration.ofHours(25)), "discord", B, "outbound", "failed", null, "DISCORD_NOT_FOUND", null, null);
        event(ago(Duration.ofHours(24)), "discord", B, "outbound", "completed", "text", null, null, null); // edge
        event(ago(Duration.ofMinutes(61)), "whatsapp-baileys", A, "inbound", "received", null, null, null, null);
        event(ago(Duration.ofHours(1)), "whatsapp-baileys", A, "inbound", "completed", "reaction", null, null, null);
        event(ago(Duration.ofMinutes(-30)), "slack", null, "outbound", "failed", null, null, null, null); // future
        UpstreamQueries.Metrics m = UpstreamQueries.metrics(c, NOW);
        assertEquals(7, m.totalEvents());
        assertEquals(4, m.eventsLast24h());
        assertEquals(6, m.eventsLast7d());
        assertEquals(2, m.eventsLastHour());
        assertEquals(4 / 24.0, m.eventsPerHour());
        assertEquals(2 / 60.0, m.eventsPerMinute());
        assertEquals((2.0 / 7) * 100, m.failureRate());
        assertEquals(Map.of("DISCORD_NOT_FOUND", 1L), m.errorsByStage());

        UpstreamQueries.Analytics a = UpstreamQueries.analytics(c, NOW, Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.of("hourly"), false);
        assertEquals(4, a.totalMessages());
        assertEquals(2, a.successfulMessages());
        assertEquals(1, a.failedMessages());
        assertEquals(50.0, a.successRate());
        assertEquals(Map.of("text", 1L, "reaction", 1L), a.messageTypes());
        assertEquals(Map.of(), a.errorStages());
        assertEquals(Map.of(A, 2L, B, 1L), a.instances());
        assertEquals(Map.of("discord", 1L, "whatsapp-baileys", 2L, "slack", 1L), a.byChannel());
        assertEquals(new UpstreamQueries.ByDirection(2, 2), a.byDirection());
        assertEquals(Optional.of(List.of(new UpstreamQueries.TimelineBucket("2026-02-09 14:00:00", 1),
                new UpstreamQueries.TimelineBucket("2026-02-10 13:00:00", 2),
                new UpstreamQueries.TimelineBucket("2026-02-10 15:00:00", 1))), a.timeline());

        // since / until inclusive; until alone keeps the default since
        Instant since = NOW.minus(Duration.ofHours(25));
        Instant until = NOW.minus(Duration.ofHours(1));
        UpstreamQueries.Analytics windowed = UpstreamQueries.analytics(c, NOW, Optional.of(since), Optional.of(until),
                Optional.empty(), Optional.of("daily"), false);
        assertEquals(4, windowed.totalMessages());
        assertEquals(Map.of("DISCORD_NOT_FOUND", 1L), windowed.errorStages());
        assertEquals(Optional.of(List.of(new UpstreamQueries.TimelineBucket("2026-02-09 00:00:00", 2),
                new UpstreamQueries.TimelineBucket("2026-02-10 00:00:00", 2))), windowed.timeline());
        assertEquals(3, UpstreamQueries.analytics(c, NOW, Optional.empty(), Optional.of(until), Optional.empty(),
                Optional.empty(), false).totalMessages());
        // allTime ignores since and until
        UpstreamQueries.Analytics all = UpstreamQueries.analytics(c, NOW, Optional.of(since), Optional.of(until),
                Optional.empty(), Optional.empty(), true);
        assertEquals(7, all.totalMessages());
        assertEquals(Map.of("image", 2L, "text", 1L, "reaction", 1L), all.messageTypes());
        assertEquals(Optional.empty(), all.timeline());
        // instance filter
        UpstreamQueries.Analytics onlyB = UpstreamQueries.analytics(c, NOW, Optional.empty(), Optional.empty(),
                Optional.of(UUID.fromString(B)), Optional.empty(), true);
        assertEquals(3, onlyB.totalMessages());
        assertEquals(Map.of(B, 3L), onlyB.instances());
        assertEquals((1.0 / 3) * 100, onlyB.successRate());
        // since > until matches nothing
        assertEquals(0, UpstreamQueries.analytics(c, NOW, Optional.of(NOW), Optional.of(since), Optional.empty(),
                Optional.empty(), false).totalMessages());
        assertThrows(IllegalArgumentException.class, () -> UpstreamQueries.analytics(c, NOW, Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.of("weekly"), false));
    }

    @Test
    void deadLettersPayloadsAutomationsAndHealth() {
        sql("INSERT INTO dead_letter_events (event_id, event_type, subject, payload, error, status) VALUES"
                + " ('e1', 'message.received', 's', '{}', 'x', 'pending'),"
                + " ('e2', 'message.received', 's', '{}', 'x', 'retrying'),"
                + " ('e3', 'message.sent', 's', '{}', 'x', 'resolved'),"
                + " ('e4', 'message.sent', 's', '{}', 'x', 'resolved'),"
                + " ('e5', 'instance.connected', 's', '{}', 'x', 'abandoned')");
        sql("INSERT INTO event_payloads (event_id, event_type, stage, payload_compressed,"
                + " payload_size_compressed, deleted_at) VALUES ('e1', 't', 'error', 'x', 100, NULL),"
                + " ('e2', 't', 'error', 'x', NULL, NULL), ('e3', 't', 'error', 'x', 50, now())");
        assertEquals(new UpstreamQueries.DeadLetterStats(5, 1, 2, 1, 1,
                Map.of("message.received", 2L, "message.sent", 2L, "instance.connected", 1L)),
                UpstreamQueries.deadLetterStats(c));
        UpstreamQueries.Metrics m = UpstreamQueries.metrics(c, NOW);
        assertEquals(1, m.deadLettersPending());
        assertEquals(2, m.deadLettersResolved());
        assertEquals(2, m.payloadsStored());
        assertEquals(100, m.storageSizeBytes());

        String auto = "cccccccc-0000-4000-8000-000000000003";
        sql("INSERT INTO automations (id, name, trigger_event_type, actions) VALUES ('" + auto
                + "', 'x', 'message.received', '[]')");
        sql("INSERT INTO automation_logs (automation_id, event_id, status, conditions_matched,"
                + " actions_executed, execution_time_ms, created_at) VALUES"
                + " ('" + auto + "', 'a', 'success', true, '[{\"action\":\"log\"},{\"action\":\"log\"}]', 10, '"
                + ago(Duration.ofHours(30)) + "'),"
                + " ('" + auto + "', 'b', 'failed', true, '[{\"action\":\"webhook\"}]', 11, '"
                + ago(Duration.ofHours(24)) + "'),"
                + " ('" + auto + "', 'c', 'failed', true, NULL, NULL, '" + ago(Duration.ofHours(25)) + "'),"
                + " ('" + auto + "', 'd', 'skipped', false, '[]', NULL, '" + ago(Duration.ofMinutes(1)) + "')");
        // 1 success of 4; actions 2 + 1 + 0; avg(10, 11) = 10.5 -> 11; one failure at exactly now - 24h
        assertEquals(new UpstreamQueries.AutomationMetrics(false, 4, 3, 25.0, 11, 1),
                UpstreamQueries.automationMetrics(c, NOW));
        sql("UPDATE automation_logs SET execution_time_ms = NULL");
        assertEquals(0, UpstreamQueries.automationMetrics(c, NOW).avgExecutionTimeMs());

        sql("INSERT INTO instances (name, channel, is_active) VALUES ('c', 'discord', true)");
        assertEquals(new UpstreamQueries.HealthInstances(3, 2, Map.of("whatsapp-baileys", 1L, "discord", 2L)),
                UpstreamQueries.healthInstances(c));
    }

    @Test
    void rates() {
        assertEquals(0.0, UpstreamQueries.rate(5, 0));
        assertEquals("33.33333333333333", Double.toString(UpstreamQueries.rate(1, 3)));
        assertEquals(100.0 / 3 == UpstreamQueries.rate(1, 3), false);
    }
}
