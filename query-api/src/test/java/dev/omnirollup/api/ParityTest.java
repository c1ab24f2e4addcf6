package dev.omnirollup.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.omnirollup.sim.Instance;
import dev.omnirollup.sim.OmniEvent;
import dev.omnirollup.sim.ReferencePersistence;
import dev.omnirollup.sim.ScratchDatabase;
import dev.omnirollup.sim.TrafficGenerator;
import dev.omnirollup.sim.UpstreamQueries;
import dev.omnirollup.store.RollupDatabase;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Every field of every endpoint equals upstream's SQL ({@link UpstreamQueries}) over the rows upstream's persistence
 * ({@link ReferencePersistence}) writes for the same generated traffic, which the rollups got through the live
 * write path. Windows are aligned to buckets (minutes in the last 8 days, hours before), {@code now} is fixed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ParityTest {
    static final Instant NOW = Instant.parse("2026-02-12T15:37:00Z");
    static final List<String> ANALYTICS_KEYS = List.of("totalMessages", "successfulMessages", "failedMessages",
            "successRate", "avgProcessingTimeMs", "avgAgentTimeMs", "messageTypes", "errorStages", "instances",
            "byChannel", "byDirection");
    static final List<String> METRICS_KEYS = List.of("totalEvents", "eventsLast24h", "eventsLast7d", "eventsLastHour",
            "eventsPerHour", "eventsPerMinute", "completed", "failed", "pending", "avgProcessingTimeMs",
            "avgAgentLatencyMs", "p95ProcessingTimeMs", "failureRate", "errorsByStage", "deadLettersPending",
            "deadLettersResolved", "payloadsStored", "storageSizeBytes");

    ScratchDatabase scratch;
    TestApi api;
    Handle omni;
    List<Instance> instances;
    List<OmniEvent> events;

    @BeforeAll
    void load() throws SQLException {
        scratch = TestApi.freshDatabase();
        instances = TrafficGenerator.defaultInstances(8, 7);
        events = TrafficGenerator.generate(TrafficGenerator.Config.of(11, NOW, Duration.ofDays(10), 6_000, instances));
        omni = scratch.jdbi().open();
        ReferencePersistence reference = new ReferencePersistence(omni, InstantSource.fixed(NOW));
        reference.ensureInstances(instances);
        reference.apply(events);
        try (Statement s = omni.getConnection().createStatement()) {
            s.execute("""
                    INSERT INTO dead_letter_events (event_id, event_type, subject, payload, error, status) VALUES
                      ('e1', 'message.received', 'message.received', '{}', 'boom', 'pending'),
                      ('e2', 'message.received', 'message.received', '{}', 'boom', 'pending'),
                      ('e3', 'message.sent', 'message.sent', '{}', 'boom', 'pending'),
                      ('e4', 'message.sent', 'message.sent', '{}', 'boom', 'retrying'),
                      ('e5', 'reaction.received', 'reaction.received', '{}', 'boom', 'retrying'),
                      ('e6', 'message.received', 'message.received', '{}', 'boom', 'resolved'),
                      ('e7', 'message.received', 'message.received', '{}', 'boom', 'resolved'),
                      ('e8', 'message.sent', 'message.sent', '{}', 'boom', 'resolved'),
                      ('e9', 'message.sent', 'message.sent', '{}', 'boom', 'abandoned');
                    INSERT INTO event_payloads (event_id, event_type, stage, payload_compressed, payload_size_compressed,
                      deleted_at) VALUES
                      ('e1', 'message.received', 'webhook_raw', 'x', 100, NULL),
                      ('e2', 'message.received', 'webhook_raw', 'x', 250, NULL),
                      ('e3', 'message.sent', 'channel_send', 'x', NULL, NULL),
                      ('e4', 'message.sent', 'channel_send', 'x', 40, NULL),
                      ('e5', 'message.sent', 'error', 'x', 999, now());
                    """);
        }
        try (RollupDatabase database = TestApi.open(scratch, 2)) {
            TestApi.loadThroughIngest(database, events, NOW);
        }
        api = TestApi.start(scratch, false, InstantSource.fixed(NOW), Map.of(), Optional.empty());
    }

    @AfterAll
    void close() throws SQLException {
        if (api != null) {
            api.close();
        }
        if (omni != null) {
            omni.close();
        }
        if (scratch != null) {
            scratch.close();
        }
    }

    @Test
    void eventOpsMetrics() {
        TestApi.Reply reply = api.get("/api/v2/event-ops/metrics");
        assertEquals(200, reply.status(), reply.body());
        JsonNode data = reply.json().get("data");
        assertEquals(List.of("data"), fieldNames(reply.json()));
        assertEquals(METRICS_KEYS, fieldNames(data));
        UpstreamQueries.Metrics m = UpstreamQueries.metrics(omni, NOW);
        assertTrue(m.totalEvents() > 3_000, "the dataset is not trivial: " + m.totalEvents());
        assertEquals(m.totalEvents(), data.get("totalEvents").asLong());
        assertEquals(m.eventsLast24h(), data.get("eventsLast24h").asLong());
        assertEquals(m.eventsLast7d(), data.get("eventsLast7d").asLong());
        assertEquals(m.eventsLastHour(), data.get("eventsLastHour").asLong());
        assertNumber(reply.body(), "eventsPerHour", m.eventsPerHour());
        assertNumber(reply.body(), "eventsPerMinute", m.eventsPerMinute());
        assertEquals(m.completed(), data.get("completed").asLong());
        assertEquals(m.failed(), data.get("failed").asLong());
        assertEquals(m.pending(), data.get("pending").asLong());
        assertNullableInt(m.avgProcessingTimeMs(), data.get("avgProcessingTimeMs"));
        assertNullableInt(m.avgAgentLatencyMs(), data.get("avgAgentLatencyMs"));
        assertNullableInt(m.p95ProcessingTimeMs(), data.get("p95ProcessingTimeMs"));
        assertNumber(reply.body(), "failureRate", m.failureRate());
        assertEquals(m.errorsByStage(), counts(data.get("errorsByStage")));
        assertFalse(m.errorsByStage().isEmpty());
        assertEquals(m.deadLettersPending(), data.get("deadLettersPending").asLong());
        assertEquals(m.deadLettersResolved(), data.get("deadLettersResolved").asLong());
        assertEquals(m.payloadsStored(), data.get("payloadsStored").asLong());
        assertEquals(m.storageSizeBytes(), data.get("storageSizeBytes").asLong());
        assertEquals(4, m.payloadsStored());
        assertEquals(390, m.storageSizeBytes());
    }

    /** One analytics case: the query string and upstream's arguments. */
    record Case(String query, Optional<String> since, Optional<String> until, Optional<UUID> instance,
                Optional<String> granularity, boolean allTime) {
        static Case of(String query) {
            Map<String, String> params = new HashMap<>();
            if (!query.isEmpty()) {
                for (String pair : query.split("&")) {
                    String[] kv = pair.split("=", 2);
                    params.put(kv[0], kv.length == 2 ? kv[1] : ""); // "allTime" alone: an empty value
                }
            }
            boolean allTime = "true".equals(params.get("allTime")) || "1".equals(params.get("allTime"));
            return new Case(query, Optional.ofNullable(params.get("since")), Optional.ofNullable(params.get("until")),
                    Optional.ofNullable(params.get("instanceId")).map(UUID::fromString),
                    Optional.ofNullable(params.get("granularity")), allTime);
        }
    }

    @Test
    void eventsAnalyticsAtBucketAlignedWindows() {
        String first = instances.get(0).id().toString();
        String second = instances.get(1).id().toString();
        String last = instances.get(instances.size() - 1).id().toString();
        List<String> queries = List.of(
                "",
                "granularity=hourly",
                "granularity=daily",
                "allTime=true",
                "allTime=1&granularity=hourly",
                "allTime=true&granularity=daily&since=2026-02-11T00:00Z&until=2026-02-11T01:00Z",
                "allTime=false&granularity=hourly",
                "allTime=0&since=2026-02-09T00:00Z",
                "allTime=&granularity=hourly",
                "granularity=daily&allTime",
                "since=2026-02-10T08:13Z&until=2026-02-11T22:41:59.999Z&granularity=hourly",
                "since=2026-02-10T08:13:00.000Z&until=2026-02-11T22:41:59.999Z&granularity=daily",
                "since=2026-02-03T05:00Z&until=2026-02-04T17:59:59.999Z&granularity=hourly",
                "since=2026-02-02T16:00Z&granularity=daily",
                "since=2026-02-02T16:00Z&until=2026-02-03T23:59:59.999Z",
                "since=2026-01-01T00:00Z",
                "until=2026-02-12T03:29:59.999Z&granularity=hourly",
                "since=2026-02-12T15:00Z",
                "since=2026-02-12T15:36Z&granularity=hourly",
                "since=2026-02-12T16:00Z",
                "since=2026-02-11T00:00Z&until=2026-02-10T00:00Z&granularity=daily",
                "instanceId=" + first,
                "instanceId=" + second.toUpperCase() + "&granularity=hourly",
                "instanceId=" + last + "&allTime=true&granularity=daily",
                "instanceId=" + first + "&since=2026-02-03T07:00Z&until=2026-02-06T12:59:59.999Z&granularity=daily",
                "instanceId=00000000-0000-0000-0000-000000000000&allTime=true&granularity=hourly");
        for (String query : queries) {
            Case c = Case.of(query);
            TestApi.Reply reply = api.get("/api/v2/events/analytics" + (query.isEmpty() ? "" : "?" + query));
            assertEquals(200, reply.status(), query + ": " + reply.body());
            UpstreamQueries.Analytics a = UpstreamQueries.analytics(omni, NOW, c.since().map(ParityTest::instant),
                    c.until().map(ParityTest::instant), c.instance(), c.granularity(), c.allTime());
            assertAnalytics(query, reply, a);
        }
    }

    @Test
    void zeroFilledTimelinesHoldUpstreamsBucketsAndEveryEmptyOne() {
        record Fill(String query, long buckets) {
        }
        List<Fill> fills = List.of(
                new Fill("granularity=hourly&fill=zero", 25),
                new Fill("granularity=daily&fill=zero", 2),
                new Fill("since=2026-02-03T05:00Z&until=2026-02-04T17:59:59.999Z&granularity=hourly&fill=zero", 37),
                new Fill("since=2026-02-03T05:00Z&granularity=daily&fill=zero", 10),
                new Fill("since=2026-02-11T00:00Z&until=2026-02-10T00:00Z&granularity=daily&fill=zero", 0),
                new Fill("allTime=true&granularity=daily&fill=zero", 11),
                new Fill("allTime=true&granularity=hourly&fill=zero", 10 * 24 + 1),
                new Fill("instanceId=" + instances.get(2).id() + "&granularity=hourly&fill=zero", 25));
        for (Fill fill : fills) {
            Case c = Case.of(fill.query().replace("&fill=zero", ""));
            TestApi.Reply reply = api.get("/api/v2/events/analytics?" + fill.query());
            assertEquals(200, reply.status(), fill.query() + ": " + reply.body());
            UpstreamQueries.Analytics a = UpstreamQueries.analytics(omni, NOW, c.since().map(ParityTest::instant),
                    c.until().map(ParityTest::instant), c.instance(), c.granularity(), c.allTime());
            JsonNode timeline = reply.json().get("timeline");
            assertEquals(fill.buckets(), timeline.size(), fill.query());
            List<UpstreamQueries.TimelineBucket> nonZero = new ArrayList<>();
            String previous = "";
            for (JsonNode bucket : timeline) {
                assertTrue(bucket.get("bucket").asText().compareTo(previous) > 0, "ascending and distinct");
                previous = bucket.get("bucket").asText();
                if (bucket.get("count").asLong() != 0) {
                    nonZero.add(new UpstreamQueries.TimelineBucket(previous, bucket.get("count").asLong()));
                }
            }
            assertEquals(a.timeline().orElseThrow(), nonZero, fill.query());
            assertEquals(a.totalMessages(), reply.json().get("totalMessages").asLong(), fill.query());
        }
    }

    @Test
    void deadLetterStats() {
        TestApi.Reply reply = api.get("/api/v2/dead-letters/stats");
        assertEquals(200, reply.status());
        UpstreamQueries.DeadLetterStats d = UpstreamQueries.deadLetterStats(omni);
        JsonNode data = reply.json().get("data");
        assertEquals(List.of("total", "pending", "resolved", "abandoned", "retrying", "byEventType"), fieldNames(data));
        assertEquals(d.total(), data.get("total").asLong());
        assertEquals(d.pending(), data.get("pending").asLong());
        assertEquals(d.resolved(), data.get("resolved").asLong());
        assertEquals(d.abandoned(), data.get("abandoned").asLong());
        assertEquals(d.retrying(), data.get("retrying").asLong());
        assertEquals(d.byEventType(), counts(data.get("byEventType")));
        assertEquals(9, d.total());
        assertEquals(2, d.retrying());
    }

    @Test
    void automationMetricsAtBothPaths() {
        UpstreamQueries.AutomationMetrics m = UpstreamQueries.automationMetrics(omni, NOW);
        assertTrue(m.totalExecutions() > 50, "executions: " + m.totalExecutions());
        for (String path : List.of("/api/v2/automation-metrics", "/api/v2/automations/automation-metrics")) {
            TestApi.Reply reply = api.get(path);
            assertEquals(200, reply.status());
            JsonNode body = reply.json();
            assertEquals(m.totalExecutions(), body.get("totalExecutions").asLong());
            assertEquals(m.totalActions(), body.get("totalActions").asLong());
            assertNumber(reply.body(), "successRate", m.successRate());
            assertEquals(m.avgExecutionTimeMs(), body.get("avgExecutionTimeMs").asInt());
            assertEquals(m.recentFailures(), body.get("recentFailures").asLong());
            // running/instanceQueues come from the newest automation.queue snapshots (upstream: always false)
            Map<String, OmniEvent> newest = new TreeMap<>();
            for (OmniEvent event : events) {
                if (event.type().equals("automation.queue")) {
                    newest.merge(event.payload().get("instanceId").asText(), event,
                            (a, b) -> b.timestamp() >= a.timestamp() ? b : a);
                }
            }
            long newestMs = newest.values().stream().mapToLong(OmniEvent::timestamp).max().orElse(0);
            boolean running = NOW.toEpochMilli() - newestMs < Duration.ofMinutes(2).toMillis();
            assertEquals(running, body.get("running").asBoolean());
            List<String> keys = new ArrayList<>(List.of("running"));
            if (running) {
                keys.add("instanceQueues");
                assertEquals(newest.size(), body.get("instanceQueues").size());
                Iterator<JsonNode> queues = body.get("instanceQueues").iterator();
                for (Map.Entry<String, OmniEvent> entry : newest.entrySet()) {
                    JsonNode queue = queues.next();
                    assertEquals(entry.getKey(), queue.get("instanceId").asText());
                    assertEquals(entry.getValue().payload().get("activeCount").asInt(), queue.get("activeCount").asInt());
                    assertEquals(entry.getValue().payload().get("pendingCount").asInt(), queue.get("pendingCount").asInt());
                }
            }
            keys.addAll(List.of("totalExecutions", "totalActions", "successRate", "avgExecutionTimeMs", "recentFailures"));
            assertEquals(keys, fieldNames(body));
        }
    }

    @Test
    void healthInstancesAndShape() {
        TestApi.Reply reply = api.get("/api/v2/health", Map.of());
        assertEquals(200, reply.status(), reply.body());
        JsonNode body = reply.json();
        assertEquals(List.of("status", "version", "uptime", "timestamp", "checks", "instances"), fieldNames(body));
        assertEquals("healthy", body.get("status").asText());
        assertEquals("2026-02-12T15:37:00.000Z", body.get("timestamp").asText());
        assertEquals(0, body.get("uptime").asLong());
        assertEquals(QueryApi.version(), body.get("version").asText());
        assertTrue(body.get("version").asText().matches("\\d+\\.\\d+\\.\\d+.*"), body.get("version").asText());
        UpstreamQueries.HealthInstances h = UpstreamQueries.healthInstances(omni);
        assertEquals(h.total(), body.get("instances").get("total").asLong());
        assertEquals(h.connected(), body.get("instances").get("connected").asLong());
        assertEquals(h.byChannel(), counts(body.get("instances").get("byChannel")));
        assertTrue(h.connected() > 0, "some instance.connected events were generated");
        assertEquals("ok", body.get("checks").get("database").get("status").asText());
        assertEquals("error", body.get("checks").get("nats").get("status").asText());
        assertFalse(body.get("checks").get("nats").get("details").get("connected").asBoolean());
    }

    @Test
    void dashboardIsBuiltFromTheSameReads() {
        TestApi.Reply reply = api.get("/api/v2/dashboard");
        assertEquals(200, reply.status(), reply.body());
        JsonNode body = reply.json();
        assertEquals(List.of("instances", "events", "deadLetters", "automations", "system"), fieldNames(body));
        UpstreamQueries.Metrics m = UpstreamQueries.metrics(omni, NOW);
        UpstreamQueries.Analytics day = UpstreamQueries.analytics(omni, NOW, Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.of("hourly"), false);
        JsonNode events = body.get("events");
        assertEquals(List.of("total", "last24h", "lastHour", "perHour", "perMinute", "timeline", "byChannel",
                "byDirection", "failureRate"), fieldNames(events));
        assertEquals(m.totalEvents(), events.get("total").asLong());
        assertEquals(m.eventsLast24h(), events.get("last24h").asLong());
        assertEquals(m.eventsLastHour(), events.get("lastHour").asLong());
        assertEquals(m.eventsPerHour(), events.get("perHour").asDouble());
        assertEquals(m.eventsPerMinute(), events.get("perMinute").asDouble());
        assertEquals(m.failureRate(), events.get("failureRate").asDouble());
        assertEquals(day.byChannel(), counts(events.get("byChannel")));
        assertEquals(day.byDirection().inbound(), events.get("byDirection").get("inbound").asLong());
        assertEquals(day.byDirection().outbound(), events.get("byDirection").get("outbound").asLong());
        assertEquals(25, events.get("timeline").size());
        long sum = 0;
        for (JsonNode bucket : events.get("timeline")) {
            sum += bucket.get("count").asLong();
        }
        assertEquals(day.totalMessages(), sum);
        UpstreamQueries.HealthInstances h = UpstreamQueries.healthInstances(omni);
        assertEquals(h.total(), body.get("instances").get("total").asLong());
        assertEquals(h.connected(), body.get("instances").get("connected").asLong());
        UpstreamQueries.DeadLetterStats d = UpstreamQueries.deadLetterStats(omni);
        assertEquals(d.pending(), body.get("deadLetters").get("pending").asLong());
        assertEquals(d.total(), body.get("deadLetters").get("total").asLong());
        UpstreamQueries.AutomationMetrics a = UpstreamQueries.automationMetrics(omni, NOW);
        assertEquals(a.totalExecutions(), body.get("automations").get("totalExecutions").asLong());
        assertEquals(a.successRate(), body.get("automations").get("successRate").asDouble());
        assertEquals(List.of("status", "uptime", "dbLatency", "natsConnected"), fieldNames(body.get("system")));
        assertEquals("healthy", body.get("system").get("status").asText());
        assertFalse(body.get("system").get("natsConnected").asBoolean());
    }

    // ------------------------------------------------------------------ helpers

    static void assertAnalytics(String query, TestApi.Reply reply, UpstreamQueries.Analytics a) {
        JsonNode body = reply.json();
        List<String> keys = new ArrayList<>(ANALYTICS_KEYS);
        if (a.timeline().isPresent()) {
            keys.add("timeline");
        }
        assertEquals(keys, fieldNames(body), query);
        assertEquals(a.totalMessages(), body.get("totalMessages").asLong(), query);
        assertEquals(a.successfulMessages(), body.get("successfulMessages").asLong(), query);
        assertEquals(a.failedMessages(), body.get("failedMessages").asLong(), query);
        assertNumber(reply.body(), "successRate", a.successRate());
        assertNullableInt(a.avgProcessingTimeMs(), body.get("avgProcessingTimeMs"));
        assertNullableInt(a.avgAgentTimeMs(), body.get("avgAgentTimeMs"));
        assertEquals(a.messageTypes(), counts(body.get("messageTypes")), query);
        assertEquals(a.errorStages(), counts(body.get("errorStages")), query);
        assertEquals(a.instances(), counts(body.get("instances")), query);
        assertEquals(a.byChannel(), counts(body.get("byChannel")), query);
        assertEquals(List.of("inbound", "outbound"), fieldNames(body.get("byDirection")));
        assertEquals(a.byDirection().inbound(), body.get("byDirection").get("inbound").asLong(), query);
        assertEquals(a.byDirection().outbound(), body.get("byDirection").get("outbound").asLong(), query);
        if (a.timeline().isPresent()) {
            List<UpstreamQueries.TimelineBucket> timeline = new ArrayList<>();
            for (JsonNode bucket : body.get("timeline")) {
                assertEquals(List.of("bucket", "count"), fieldNames(bucket));
                timeline.add(new UpstreamQueries.TimelineBucket(bucket.get("bucket").asText(), bucket.get("count").asLong()));
            }
            assertEquals(a.timeline().get(), timeline, query);
        }
    }

    static Instant instant(String isoWithOptionalSeconds) {
        return OffsetDateTime.parse(isoWithOptionalSeconds).toInstant();
    }

    /** The number is the same double and printed exactly as JavaScript prints it. */
    static void assertNumber(String body, String key, double expected) {
        Matcher m = Pattern.compile("\"" + key + "\":([^,}\\]]+)").matcher(body);
        assertTrue(m.find(), key + " missing in " + body);
        assertEquals(JsNumber.format(expected), m.group(1), key);
        assertEquals(expected, Double.parseDouble(m.group(1)), key);
    }

    static void assertNullableInt(Optional<Integer> expected, JsonNode actual) {
        if (expected.isEmpty()) {
            assertTrue(actual.isNull(), "expected null, got " + actual);
        } else {
            assertTrue(actual.isIntegralNumber(), "expected an integer, got " + actual);
            assertEquals(expected.get().longValue(), actual.asLong());
        }
    }

    static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    static Map<String, Long> counts(JsonNode node) {
        Map<String, Long> map = new LinkedHashMap<>();
        node.properties().forEach(e -> {
            assertTrue(e.getValue().isIntegralNumber(), e.getKey() + " is not an integer: " + e.getValue());
            map.put(e.getKey(), e.getValue().asLong());
        });
        return map;
    }
}
