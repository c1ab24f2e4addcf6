package dev.omnirollup.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.omnirollup.sim.Instance;
import dev.omnirollup.sim.OmniEvent;
import dev.omnirollup.sim.OmniOperations;
import dev.omnirollup.sim.Publisher;
import dev.omnirollup.sim.ReferencePersistence;
import dev.omnirollup.sim.ScratchDatabase;
import dev.omnirollup.sim.ScratchNats;
import dev.omnirollup.sim.TrafficGenerator;
import dev.omnirollup.sim.UpstreamQueries;
import dev.omnirollup.store.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.Test;

/**
 * A real Omni against the real launcher ({@code omni-rollup all}, then {@code backfill}, as separate processes): Omni's
 * own consumer stores every event before publishing it reaches us; receipts arrive for messages older than the
 * cutover, both before and after the backfill; manual automation runs are written only to {@code automation_logs},
 * one of them committing late with an older {@code created_at}; an automation and an instance are deleted. Then every
 * endpoint, over aligned windows (minute-aligned recent, hour- and day-aligned older than the minute horizon,
 * {@code since > until}), equals upstream's SQL over Omni's tables, field by field.
 */
class RealOmniIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The test runs for less than this; history leaves this much room around the edges of "now - 24h" and "- 7d". */
    private static final Duration ROOM = Duration.ofMinutes(25);

    private final SplittableRandom random = new SplittableRandom(12);

    @Test
    void everyEndpointEqualsUpstreamSqlOnARealOmnisBehaviour() throws Exception {
        try (ScratchDatabase omni = ScratchDatabase.create().withOmniSchema(); ScratchNats nats = ScratchNats.connect();
             Handle sql = omni.jdbi().open()) {
            Instant start = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            List<Instance> instances = TrafficGenerator.defaultInstances(6, 12);
            ReferencePersistence omniConsumer = new ReferencePersistence(sql, InstantSource.system());
            omniConsumer.ensureInstances(instances);
            insertDeadLetters(sql);
            nats.instanceStream(); // Omni's INSTANCE stream: the traffic's instance events go there

            // twelve days of history, stored long ago; nothing in the last two hours and nothing near the edges
            // of the windows metrics read from "now"
            List<OmniEvent> history = new ArrayList<>(TrafficGenerator.generate(TrafficGenerator.Config.of(1,
                    start.minus(Duration.ofHours(2)), Duration.ofDays(12), 9_000, instances)));
            history.removeIf(e -> nearNowEdges(e.timestamp(), start));
            List<Straddler> early = straddlers(instances.get(0), start.minus(Duration.ofDays(3)), "early");
            List<Straddler> late = straddlers(instances.get(2), start.minus(Duration.ofDays(10)), "late");
            early.forEach(s -> history.addAll(s.history()));
            late.forEach(s -> history.addAll(s.history()));
            omniConsumer.apply(history);

            int port = Distribution.freePort();
            String apiKey = DemoOmni.newKey();
            Map<String, String> settings = new LinkedHashMap<>();
            settings.put("OMNI_ROLLUP_DATABASE_URL", omni.jdbcUrl());
            settings.putAll(Distribution.natsSettings(nats));
            settings.put("OMNI_ROLLUP_HTTP_HOST", "127.0.0.1");
            settings.put("OMNI_ROLLUP_HTTP_PORT", Integer.toString(port));
            settings.put("OMNI_ROLLUP_INGEST_METRICS_PORT", "0");
            settings.put("OMNI_ROLLUP_API_KEY", apiKey);
            settings.put("OMNI_ROLLUP_LIVE_COUNT_REFRESH", "500ms");
            settings.put("OMNI_ROLLUP_AUTOMATION_LOG_POLL", "200ms");
            settings.put("OMNI_ROLLUP_AUTOMATION_DELETION_CHECK", "1s");
            settings.put("OMNI_ROLLUP_BACKFILL_CUTOVER_SETTLE", "2s");
            String api = "http://127.0.0.1:" + port + "/api/v2";

            try (Distribution all = Distribution.start(settings, "all")) {
                all.awaitLine(l -> l.contains("omni-rollup all running"), Duration.ofSeconds(60));
                Instant cutover = cutover(sql);
                Instant liveFrom = cutover.plusSeconds(2);

                // live traffic, stored by Omni's consumer before it reaches us, with receipts for pre-cutover
                // messages; then the backfill; then more of both
                List<OmniEvent> first = live(2, liveFrom, instances.subList(0, 5), 1_500);
                early.forEach(s -> first.addAll(s.receipts(liveFrom.plusSeconds(20))));
                storeThenPublish(omniConsumer, nats, first);
                Distribution.Result backfill = Distribution.run(Duration.ofMinutes(3), settings, "backfill");
                assertEquals(0, backfill.status(), backfill.text());
                List<OmniEvent> second = live(3, liveFrom.plusSeconds(60), instances, 1_500);
                late.forEach(s -> second.addAll(s.receipts(liveFrom.plusSeconds(80))));
                early.forEach(s -> second.addAll(s.receipts(liveFrom.plusSeconds(90))));
                storeThenPublish(omniConsumer, nats, second);

                // manual runs, written only to automation_logs; one commits after the tail read rows stamped later
                UUID kept = OmniOperations.createAutomation(sql, "kept");
                UUID doomed = OmniOperations.createAutomation(sql, "doomed");
                try (Handle lateRun = omni.jdbi().open()) {
                    lateRun.begin();
                    OmniOperations.manualRun(lateRun, kept, actions());
                    for (int i = 0; i < 30; i++) {
                        OmniOperations.manualRun(sql, i % 3 == 0 ? doomed : kept, actions());
                    }
                    long committed = count(sql, "SELECT count(*) FROM automation_logs");
                    Await.until("the tail has read the runs committed so far", Duration.ofSeconds(30),
                            () -> json(api + "/automation-metrics", apiKey).path("totalExecutions").asLong() == committed);
                    lateRun.commit();
                }
                OmniOperations.deleteAutomation(sql, doomed);
                UUID deletedInstance = instances.get(5).id();
                OmniOperations.deleteInstance(sql, deletedInstance);

                Await.until("the rollups have caught up with Omni's tables", Duration.ofSeconds(60),
                        () -> caughtUp(api, apiKey, sql, deletedInstance));
                Checks checks = new Checks();
                compareEverything(checks, api, apiKey, sql, start, cutover, instances, deletedInstance);
                checks.assertAllEqual();

                // the operator's own check agrees: every day of the history and of the live traffic
                Distribution.Result verify = Distribution.run(Duration.ofMinutes(3), settings, "verify", "--settle",
                        "0s");
                assertEquals(0, verify.status(), verify.text());
                verify.lines().stream().filter(l -> l.startsWith("verify done:")).forEach(System.out::println);
                assertTrue(verify.lines().stream().anyMatch(l -> l.matches("verify done: 1[34] days checked, 0 with drift.*")),
                        verify.text());
            }
        }
    }

    // ------------------------------------------------------------------------------------------ the comparison

    private void compareEverything(Checks checks, String api, String apiKey, Handle sql, Instant start,
                                   Instant cutover, List<Instance> instances, UUID deletedInstance) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        assertTrue(now.isBefore(start.plus(ROOM)), "the test ran longer than the room left in the history");

        JsonNode metrics = json(api + "/event-ops/metrics", apiKey).get("data");
        UpstreamQueries.Metrics m = UpstreamQueries.metrics(sql, now);
        checks.eq("metrics.totalEvents", m.totalEvents(), metrics.get("totalEvents").asLong());
        checks.eq("metrics.eventsLast24h", m.eventsLast24h(), metrics.get("eventsLast24h").asLong());
        checks.eq("metrics.eventsLast7d", m.eventsLast7d(), metrics.get("eventsLast7d").asLong());
        checks.eq("metrics.eventsLastHour", m.eventsLastHour(), metrics.get("eventsLastHour").asLong());
        checks.eq("metrics.eventsPerHour", m.eventsPerHour(), metrics.get("eventsPerHour").asDouble());
        checks.eq("metrics.eventsPerMinute", m.eventsPerMinute(), metrics.get("eventsPerMinute").asDouble());
        checks.eq("metrics.completed", m.completed(), metrics.get("completed").asLong());
        checks.eq("metrics.failed", m.failed(), metrics.get("failed").asLong());
        checks.eq("metrics.pending", m.pending(), metrics.get("pending").asLong());
        checks.eq("metrics.avgProcessingTimeMs", m.avgProcessingTimeMs(), nullableInt(metrics.get("avgProcessingTimeMs")));
        checks.eq("metrics.avgAgentLatencyMs", m.avgAgentLatencyMs(), nullableInt(metrics.get("avgAgentLatencyMs")));
        checks.eq("metrics.p95ProcessingTimeMs", m.p95ProcessingTimeMs(), nullableInt(metrics.get("p95ProcessingTimeMs")));
        checks.eq("metrics.failureRate", m.failureRate(), metrics.get("failureRate").asDouble());
        checks.eq("metrics.errorsByStage", m.errorsByStage(), counts(metrics.get("errorsByStage")));
        checks.eq("metrics.deadLettersPending", m.deadLettersPending(), metrics.get("deadLettersPending").asLong());
        checks.eq("metrics.deadLettersResolved", m.deadLettersResolved(), metrics.get("deadLettersResolved").asLong());
        checks.eq("metrics.payloadsStored", m.payloadsStored(), metrics.get("payloadsStored").asLong());
        checks.eq("metrics.storageSizeBytes", m.storageSizeBytes(), metrics.get("storageSizeBytes").asLong());

        Instant recent = cutover.truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(1));
        Instant hourAligned = start.minus(Duration.ofDays(10)).truncatedTo(ChronoUnit.HOURS).plus(Duration.ofHours(3));
        Instant dayAligned = start.minus(Duration.ofDays(11)).truncatedTo(ChronoUnit.DAYS);
        Instant twoDays = start.truncatedTo(ChronoUnit.DAYS).minus(Duration.ofDays(3)).plus(Duration.ofHours(6));
        Instant inOneSecond = start.minus(Duration.ofDays(2)).truncatedTo(ChronoUnit.SECONDS);
        List<Window> windows = List.of(
                Window.defaults(""), Window.defaults("granularity=hourly"), Window.defaults("granularity=daily"),
                Window.allTime("allTime=true"), Window.allTime("allTime=true&granularity=daily"),
                Window.of(recent, Optional.of(recent.plus(Duration.ofMinutes(2))), "granularity=hourly"),
                Window.of(recent, Optional.empty(), ""),
                Window.of(hourAligned, Optional.of(hourAligned.plus(Duration.ofHours(5))), "granularity=hourly"),
                Window.of(dayAligned, Optional.of(dayAligned.plus(Duration.ofDays(1))), "granularity=hourly"),
                Window.of(dayAligned, Optional.of(dayAligned.plus(Duration.ofDays(2))), "granularity=daily"),
                Window.of(twoDays, Optional.of(twoDays.plus(Duration.ofDays(2))), "granularity=hourly"),
                Window.of(inOneSecond.plusMillis(900), Optional.of(inOneSecond.plusMillis(100)), "granularity=hourly"),
                Window.of(inOneSecond.plusMillis(900), Optional.of(inOneSecond.plusMillis(100)),
                        "granularity=daily&fill=zero"),
                Window.defaults("instanceId=" + instances.get(0).id() + "&granularity=hourly"),
                Window.allTime("allTime=true&instanceId=" + instances.get(2).id()),
                Window.allTime("allTime=true&instanceId=" + deletedInstance + "&granularity=daily"));
        for (Window window : windows) {
            String query = window.query();
            JsonNode body = json(api + "/events/analytics" + (query.isEmpty() ? "" : "?" + query), apiKey);
            UpstreamQueries.Analytics a = UpstreamQueries.analytics(sql, now, window.since(), window.until(),
                    window.instance(), window.granularity(), window.allTime());
            String at = "analytics?" + query + ".";
            checks.eq(at + "totalMessages", a.totalMessages(), body.get("totalMessages").asLong());
            checks.eq(at + "successfulMessages", a.successfulMessages(), body.get("successfulMessages").asLong());
            checks.eq(at + "failedMessages", a.failedMessages(), body.get("failedMessages").asLong());
            checks.eq(at + "successRate", a.successRate(), body.get("successRate").asDouble());
            checks.eq(at + "avgProcessingTimeMs", a.avgProcessingTimeMs(), nullableInt(body.get("avgProcessingTimeMs")));
            checks.eq(at + "avgAgentTimeMs", a.avgAgentTimeMs(), nullableInt(body.get("avgAgentTimeMs")));
            checks.eq(at + "messageTypes", a.messageTypes(), counts(body.get("messageTypes")));
            checks.eq(at + "errorStages", a.errorStages(), counts(body.get("errorStages")));
            checks.eq(at + "instances", a.instances(), counts(body.get("instances")));
            checks.eq(at + "byChannel", a.byChannel(), counts(body.get("byChannel")));
            checks.eq(at + "byDirection.inbound", a.byDirection().inbound(), body.get("byDirection").get("inbound").asLong());
            checks.eq(at + "byDirection.outbound", a.byDirection().outbound(),
                    body.get("byDirection").get("outbound").asLong());
            if (a.timeline().isPresent()) {
                List<UpstreamQueries.TimelineBucket> timeline = new ArrayList<>();
                for (JsonNode bucket : body.get("timeline")) {
                    if (bucket.get("count").asLong() != 0) { // fill=zero adds the empty buckets upstream leaves out
                        timeline.add(new UpstreamQueries.TimelineBucket(bucket.get("bucket").asText(),
                                bucket.get("count").asLong()));
                    }
                }
                checks.eq(at + "timeline", a.timeline().get(), timeline);
            }
        }

        UpstreamQueries.DeadLetterStats d = UpstreamQueries.deadLetterStats(sql);
        JsonNode dead = json(api + "/dead-letters/stats", apiKey).get("data");
        checks.eq("deadLetters.total", d.total(), dead.get("total").asLong());
        checks.eq("deadLetters.pending", d.pending(), dead.get("pending").asLong());
        checks.eq("deadLetters.resolved", d.resolved(), dead.get("resolved").asLong());
        checks.eq("deadLetters.abandoned", d.abandoned(), dead.get("abandoned").asLong());
        checks.eq("deadLetters.byEventType", d.byEventType(), counts(dead.get("byEventType")));

        UpstreamQueries.AutomationMetrics am = UpstreamQueries.automationMetrics(sql, now);
        for (String path : List.of("/automation-metrics", "/automations/automation-metrics")) {
            JsonNode auto = json(api + path, apiKey);
            checks.eq(path + ".totalExecutions", am.totalExecutions(), auto.get("totalExecutions").asLong());
            checks.eq(path + ".totalActions", am.totalActions(), auto.get("totalActions").asLong());
            checks.eq(path + ".successRate", am.successRate(), auto.get("successRate").asDouble());
            checks.eq(path + ".avgExecutionTimeMs", am.avgExecutionTimeMs(), auto.get("avgExecutionTimeMs").asInt());
            checks.eq(path + ".recentFailures", am.recentFailures(), auto.get("recentFailures").asLong());
        }

        UpstreamQueries.HealthInstances h = UpstreamQueries.healthInstances(sql);
        JsonNode health = json(api + "/health", null);
        checks.eq("health.status", "healthy", health.get("status").asText());
        JsonNode dashboard = json(api + "/dashboard", apiKey);
        for (JsonNode block : List.of(health.get("instances"), dashboard.get("instances"))) {
            checks.eq("instances.total", h.total(), block.get("total").asLong());
            checks.eq("instances.connected", h.connected(), block.get("connected").asLong());
            checks.eq("instances.byChannel", h.byChannel(), counts(block.get("byChannel")));
        }
        JsonNode events = dashboard.get("events");
        checks.eq("dashboard.events.total", m.totalEvents(), events.get("total").asLong());
        checks.eq("dashboard.events.last24h", m.eventsLast24h(), events.get("last24h").asLong());
        checks.eq("dashboard.events.lastHour", m.eventsLastHour(), events.get("lastHour").asLong());
        checks.eq("dashboard.events.failureRate", m.failureRate(), events.get("failureRate").asDouble());
        checks.eq("dashboard.deadLetters.pending", d.pending(), dashboard.get("deadLetters").get("pending").asLong());
        checks.eq("dashboard.deadLetters.total", d.total(), dashboard.get("deadLetters").get("total").asLong());
        checks.eq("dashboard.automations.totalExecutions", am.totalExecutions(),
                dashboard.get("automations").get("totalExecutions").asLong());
        checks.eq("dashboard.automations.successRate", am.successRate(),
                dashboard.get("automations").get("successRate").asDouble());
    }

    /** An analytics query and upstream's arguments for it. */
    private record Window(String query, Optional<Instant> since, Optional<Instant> until, Optional<UUID> instance,
                          Optional<String> granularity, boolean allTime) {
        static Window defaults(String query) {
            return parse(query, Optional.empty(), Optional.empty(), false);
        }

        static Window allTime(String query) {
            return parse(query, Optional.empty(), Optional.empty(), true);
        }

        static Window of(Instant since, Optional<Instant> until, String more) {
            String query = "since=" + since + until.map(u -> "&until=" + u).orElse("") + (more.isEmpty() ? "" : "&" + more);
            return parse(query, Optional.of(since), until, false);
        }

        private static Window parse(String query, Optional<Instant> since, Optional<Instant> until, boolean allTime) {
            Optional<UUID> instance = Optional.empty();
            Optional<String> granularity = Optional.empty();
            for (String pair : query.isEmpty() ? new String[0] : query.split("&")) {
                String[] kv = pair.split("=", 2);
                switch (kv[0]) {
                    case "instanceId" -> instance = Optional.of(UUID.fromString(kv[1]));
                    case "granularity" -> granularity = Optional.of(kv[1]);
                    default -> {
                        // since/until/allTime/fill are given explicitly
                    }
                }
            }
            return new Window(query, since, until, instance, granularity, allTime);
        }
    }

    /** Every field compared; the test fails listing every difference, and says how many checks there were. */
    private static final class Checks {
        private final List<String> differences = new ArrayList<>();
        private int count;

        void eq(String field, Object upstream, Object ours) {
            count++;
            if (!Objects.equals(normalize(upstream), normalize(ours))) {
                differences.add(field + ": upstream " + upstream + ", omni-rollup " + ours);
            }
        }

        private static Object normalize(Object value) {
            return switch (value) {
                case Map<?, ?> map -> new TreeMap<>(map);
                case Integer i -> i.longValue();
                case Optional<?> optional -> optional.map(Checks::normalize);
                default -> value;
            };
        }

        void assertAllEqual() {
            System.out.println("RealOmniIT: " + (count - differences.size()) + " of " + count
                    + " field checks equal upstream's SQL");
            assertTrue(differences.isEmpty(), differences.size() + " of " + count + " field checks differ:\n"
                    + String.join("\n", differences));
        }
    }

    // ------------------------------------------------------------------------------------------ Omni's side

    /** A pre-cutover message whose receipts come after the cutover. */
    private record Straddler(List<OmniEvent> history, Instance instance, String externalId, String kind) {
        List<OmniEvent> receipts(Instant at) {
            OmniEvent.Meta meta = OmniEvent.Meta.plugin("evt-" + externalId, instance.id(), instance.channel(), "trace");
            long ms = at.toEpochMilli();
            return switch (kind) {
                case "sent" -> List.of(OmniEvent.messageRead(UUID.randomUUID().toString(), ms, meta, externalId, "chat",
                        ms));
                default -> List.of(OmniEvent.messageDelivered(UUID.randomUUID().toString(), ms, meta, externalId,
                        "chat", ms));
            };
        }
    }

    /** Inbound, failed and sent messages at {@code at} (and a received one sharing its id with a sent one). */
    private static List<Straddler> straddlers(Instance instance, Instant at, String tag) {
        OmniEvent.Meta meta = OmniEvent.Meta.plugin("evt-" + tag, instance.id(), instance.channel(), "trace");
        List<Straddler> all = new ArrayList<>();
        long ms = at.toEpochMilli();
        for (int i = 0; i < 8; i++) {
            String in = tag + "-in-" + i;
            String failed = tag + "-failed-" + i;
            String sent = tag + "-sent-" + i;
            all.add(new Straddler(List.of(OmniEvent.messageReceived(UUID.randomUUID().toString(), ms + i * 1_000L, meta,
                    in, "chat", "someone", OmniEvent.content("text", Optional.of("hi"), Optional.empty(),
                            Optional.empty()))), instance, in, "received"));
            all.add(new Straddler(List.of(OmniEvent.messageFailed(UUID.randomUUID().toString(), ms + 100 + i * 1_000L,
                    meta, Optional.of(failed), "chat", "boom", Optional.of("WHATSAPP_SEND_FAILED"), true)), instance,
                    failed, "failed"));
            all.add(new Straddler(List.of(OmniEvent.messageSent(UUID.randomUUID().toString(), ms + 200 + i * 1_000L,
                    meta, sent, "chat", "someone", OmniEvent.content("text", Optional.of("yo"), Optional.empty(),
                            Optional.empty()))), instance, sent, "sent"));
        }
        return all;
    }

    /** Live traffic stamped from {@code from} over three minutes, never on a whole minute (an edge of the windows). */
    private static List<OmniEvent> live(long seed, Instant from, List<Instance> instances, int count) {
        List<OmniEvent> events = new ArrayList<>(TrafficGenerator.generate(new TrafficGenerator.Config(seed, from,
                from.plus(Duration.ofMinutes(3)), count, instances, TrafficGenerator.Mix.defaults())));
        events.removeIf(e -> e.timestamp() % 60_000 == 0 || e.timestamp() < from.toEpochMilli());
        return events;
    }

    private static boolean nearNowEdges(long timestampMs, Instant start) {
        for (Duration back : List.of(Duration.ofHours(24), Duration.ofDays(7))) {
            Instant edge = start.minus(back);
            if (timestampMs >= edge.minus(Duration.ofMinutes(2)).toEpochMilli()
                    && timestampMs <= edge.plus(ROOM).plus(Duration.ofMinutes(2)).toEpochMilli()) {
                return true;
            }
        }
        return false;
    }

    /** Omni's consumer stores each chunk before the chunk reaches our ingest (it usually wins that race). */
    private static void storeThenPublish(ReferencePersistence omniConsumer, ScratchNats nats, List<OmniEvent> events) {
        events.sort(Comparator.comparingLong(OmniEvent::timestamp));
        Publisher publisher = Publisher.on(nats);
        for (int i = 0; i < events.size(); i += 200) {
            List<OmniEvent> chunk = events.subList(i, Math.min(events.size(), i + 200));
            omniConsumer.apply(chunk);
            publisher.publish(chunk);
        }
    }

    private List<OmniEvent.ActionResult> actions() {
        List<OmniEvent.ActionResult> results = new ArrayList<>();
        for (int i = 1 + random.nextInt(3); i > 0; i--) {
            boolean ok = random.nextInt(5) > 0;
            results.add(new OmniEvent.ActionResult("webhook", ok ? "success" : "failed", Optional.empty(),
                    ok ? Optional.empty() : Optional.of("HTTP 502"), random.nextInt(900)));
        }
        return results;
    }

    private static void insertDeadLetters(Handle sql) throws SQLException {
        try (Statement s = sql.getConnection().createStatement()) {
            s.execute("""
                    INSERT INTO dead_letter_events (event_id, event_type, subject, payload, error, status) VALUES
                      ('e1', 'message.received', 'message.received', '{}', 'boom', 'pending'),
                      ('e2', 'message.sent', 'message.sent', '{}', 'boom', 'retrying'),
                      ('e3', 'message.received', 'message.received', '{}', 'boom', 'resolved'),
                      ('e4', 'message.sent', 'message.sent', '{}', 'boom', 'abandoned')""");
        }
    }

    // ------------------------------------------------------------------------------------------ plumbing

    private static boolean caughtUp(String api, String apiKey, Handle sql, UUID deletedInstance) {
        try {
            JsonNode all = json(api + "/events/analytics?allTime=true", apiKey);
            JsonNode auto = json(api + "/automation-metrics", apiKey);
            return all.path("totalMessages").asLong() == count(sql, "SELECT count(*) FROM omni_events")
                    && all.path("successfulMessages").asLong()
                    == count(sql, "SELECT count(*) FROM omni_events WHERE status = 'completed'")
                    && !all.path("instances").has(deletedInstance.toString())
                    && auto.path("totalExecutions").asLong() == count(sql, "SELECT count(*) FROM automation_logs");
        } catch (SQLException | RuntimeException e) {
            return false;
        }
    }

    private static Instant cutover(Handle sql) throws SQLException {
        try (Statement s = sql.getConnection().createStatement();
             ResultSet rs = s.executeQuery("SELECT value FROM rollup.settings WHERE name = 'cutover'")) {
            assertTrue(rs.next(), "the ingest recorded a cutover");
            return Instant.ofEpochMilli(Long.parseLong(rs.getString(1)));
        }
    }

    private static long count(Handle sql, String query) throws SQLException {
        try (Statement s = sql.getConnection().createStatement(); ResultSet rs = s.executeQuery(query)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static JsonNode json(String url, String apiKey) {
        HttpResponse<String> response = Distribution.get(url, Optional.ofNullable(apiKey));
        assertEquals(200, response.statusCode(), url + ": " + response.body());
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(url + " did not answer JSON", e);
        }
    }

    private static Optional<Integer> nullableInt(JsonNode node) {
        return node == null || node.isNull() ? Optional.empty() : Optional.of(node.asInt());
    }

    private static Map<String, Long> counts(JsonNode node) {
        Map<String, Long> counts = new TreeMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            counts.put(field.getKey(), field.getValue().asLong());
        }
        return counts;
    }
}
