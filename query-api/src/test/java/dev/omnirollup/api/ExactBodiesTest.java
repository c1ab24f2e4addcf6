package dev.omnirollup.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.omnirollup.sim.Instance;
import dev.omnirollup.sim.OmniEvent.Meta;
import dev.omnirollup.sim.OmniEvent;
import dev.omnirollup.sim.ReferencePersistence;
import dev.omnirollup.sim.ScratchDatabase;
import dev.omnirollup.store.RollupDatabase;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.Test;

/** Byte-exact bodies: upstream's answers on an empty database, and small worked examples. */
class ExactBodiesTest {
    static final Instant NOW = Instant.parse("2026-02-09T14:30:00Z");
    static final UUID INSTANCE = UUID.fromString("aaaaaaaa-0000-4000-8000-000000000001");
    static final UUID DISCORD = UUID.fromString("aaaaaaaa-0000-4000-8000-000000000002");

    @Test
    void emptyDatabase() {
        try (TestApi api = TestApi.start(TestApi.freshDatabase(), true, InstantSource.fixed(NOW), Map.of(),
                Optional.empty())) {
            assertEquals("{\"data\":{\"totalEvents\":0,\"eventsLast24h\":0,\"eventsLast7d\":0,\"eventsLastHour\":0,"
                    + "\"eventsPerHour\":0,\"eventsPerMinute\":0,\"completed\":0,\"failed\":0,\"pending\":0,"
                    + "\"avgProcessingTimeMs\":null,\"avgAgentLatencyMs\":null,\"p95ProcessingTimeMs\":null,"
                    + "\"failureRate\":0,\"errorsByStage\":{},\"deadLettersPending\":0,\"deadLettersResolved\":0,"
                    + "\"payloadsStored\":0,\"storageSizeBytes\":0}}", api.get("/api/v2/event-ops/metrics").body());
            String analytics = "{\"totalMessages\":0,\"successfulMessages\":0,\"failedMessages\":0,\"successRate\":0,"
                    + "\"avgProcessingTimeMs\":null,\"avgAgentTimeMs\":null,\"messageTypes\":{},\"errorStages\":{},"
                    + "\"instances\":{},\"byChannel\":{},\"byDirection\":{\"inbound\":0,\"outbound\":0}";
            assertEquals(analytics + "}", api.get("/api/v2/events/analytics").body());
            assertEquals(analytics + "}", api.get("/api/v2/events/analytics?allTime=true").body());
            assertEquals(analytics + ",\"timeline\":[]}", api.get("/api/v2/events/analytics?granularity=hourly").body());
            assertEquals(analytics + ",\"timeline\":[]}",
                    api.get("/api/v2/events/analytics?allTime=1&granularity=daily&fill=zero").body());
            assertEquals("{\"data\":{\"total\":0,\"pending\":0,\"resolved\":0,\"abandoned\":0,\"retrying\":0,"
                    + "\"byEventType\":{}}}", api.get("/api/v2/dead-letters/stats").body());
            assertEquals("{\"running\":false,\"totalExecutions\":0,\"totalActions\":0,\"successRate\":0,"
                    + "\"avgExecutionTimeMs\":0,\"recentFailures\":0}", api.get("/api/v2/automation-metrics").body());
            String health = api.get("/api/v2/health", Map.of()).body();
            assertEquals(true, health.endsWith(",\"instances\":{\"total\":0,\"connected\":0,\"byChannel\":{}}}"), health);
        }
    }

    @Test
    void metricsExample() throws SQLException {
        long t = NOW.toEpochMilli() - 20 * 60_000;
        Meta meta = Meta.plugin("evt-1", INSTANCE, "whatsapp-baileys", "trace-1");
        List<OmniEvent> events = List.of(
                OmniEvent.messageSent("id-1", t, meta, "ext-1", "chat", "to", text()),
                OmniEvent.messageSent("id-2", t + 1_000, meta, "ext-2", "chat", "to", text()),
                OmniEvent.messageFailed("id-3", t + 2_000, meta, Optional.empty(), "chat", "rate limited",
                        Optional.of("WHATSAPP_RATE_LIMITED"), true));
        try (TestApi api = load(events)) {
            assertEquals("{\"data\":{\"totalEvents\":3,\"eventsLast24h\":3,\"eventsLast7d\":3,\"eventsLastHour\":3,"
                    + "\"eventsPerHour\":0.125,\"eventsPerMinute\":0.05,\"completed\":2,\"failed\":1,\"pending\":0,"
                    + "\"avgProcessingTimeMs\":null,\"avgAgentLatencyMs\":null,\"p95ProcessingTimeMs\":null,"
                    + "\"failureRate\":33.33333333333333,\"errorsByStage\":{\"WHATSAPP_RATE_LIMITED\":1},"
                    + "\"deadLettersPending\":0,\"deadLettersResolved\":0,\"payloadsStored\":0,\"storageSizeBytes\":0}}",
                    api.get("/api/v2/event-ops/metrics").body());
        }
    }

    @Test
    void analyticsExampleAndARunningEngine() throws SQLException {
        long t1310 = Instant.parse("2026-02-09T13:10:00Z").toEpochMilli();
        long t1405 = Instant.parse("2026-02-09T14:05:00Z").toEpochMilli();
        List<OmniEvent> events = List.of(
                OmniEvent.messageReceived("id-1", t1310, Meta.plugin("evt-1", INSTANCE, "whatsapp-baileys", "tr-1"),
                        "ext-1", "chat", "from", text()),
                OmniEvent.messageSent("id-2", t1405, Meta.plugin("evt-2", INSTANCE, "discord", "tr-2"),
                        "ext-2", "chat", "to", text()),
                OmniEvent.automationQueue("id-3", NOW.toEpochMilli() - 30_000, Meta.process("evt-3", "tr-3", "omni-api"),
                        INSTANCE.toString(), 2, 5),
                OmniEvent.automationQueue("id-4", NOW.toEpochMilli() - 3_600_000, Meta.process("evt-4", "tr-4", "omni-api"),
                        "global", 0, 1));
        try (TestApi api = load(events)) {
            assertEquals("{\"totalMessages\":2,\"successfulMessages\":1,\"failedMessages\":0,\"successRate\":50,"
                    + "\"avgProcessingTimeMs\":null,\"avgAgentTimeMs\":null,\"messageTypes\":{\"text\":2},"
                    + "\"errorStages\":{},\"instances\":{\"" + INSTANCE + "\":2},"
                    + "\"byChannel\":{\"discord\":1,\"whatsapp-baileys\":1},\"byDirection\":{\"inbound\":1,\"outbound\":1},"
                    + "\"timeline\":[{\"bucket\":\"2026-02-09 13:00:00\",\"count\":1},"
                    + "{\"bucket\":\"2026-02-09 14:00:00\",\"count\":1}]}",
                    api.get("/api/v2/events/analytics?granularity=hourly").body());
            assertEquals("{\"running\":true,\"instanceQueues\":[{\"instanceId\":\"" + INSTANCE
                    + "\",\"activeCount\":2,\"pendingCount\":5},{\"instanceId\":\"global\",\"activeCount\":0,"
                    + "\"pendingCount\":1}],\"totalExecutions\":0,\"totalActions\":0,\"successRate\":0,"
                    + "\"avgExecutionTimeMs\":0,\"recentFailures\":0}", api.get("/api/v2/automation-metrics").body());
        }
    }

    private static ObjectNode text() {
        return OmniEvent.content("text", Optional.of("hello"), Optional.empty(), Optional.empty());
    }

    /** A fresh database with {@code events} written as upstream writes them and loaded through the ingest path. */
    private static TestApi load(List<OmniEvent> events) throws SQLException {
        ScratchDatabase scratch = TestApi.freshDatabase();
        try (Handle c = scratch.jdbi().open()) {
            ReferencePersistence reference = new ReferencePersistence(c, InstantSource.fixed(NOW));
            reference.ensureInstances(List.of(new Instance(INSTANCE, "wa", "whatsapp-baileys"),
                    new Instance(DISCORD, "dc", "discord")));
            reference.apply(events);
        }
        try (RollupDatabase database = TestApi.open(scratch, 2)) {
            TestApi.loadThroughIngest(database, events, NOW);
        }
        return TestApi.start(scratch, true, InstantSource.fixed(NOW), Map.of(), Optional.empty());
    }
}
