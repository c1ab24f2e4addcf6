package dev.omnirollup.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import dev.omnirollup.sim.Instance;
import dev.omnirollup.sim.OmniEvent;
import dev.omnirollup.sim.Publisher;
import dev.omnirollup.sim.ScratchDatabase;
import dev.omnirollup.sim.ScratchNats;
import dev.omnirollup.sim.TrafficGenerator;
import dev.omnirollup.store.Decoded;
import dev.omnirollup.store.EventDecoder;
import dev.omnirollup.store.InboundMessage;
import io.nats.client.Connection;
import io.nats.client.Nats;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code GET /api/v2/events/stream} over real HTTP (the JDK's client reading the stream line by line) against a real
 * NATS JetStream server: what is shown and in which order, filters, auth, the per-key limit, {@code Last-Event-ID},
 * heartbeats, metrics frames and a stalled client.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EventStreamTest {
    static final Instant NOW = Instant.parse("2026-02-12T15:37:00Z");
    static final Duration WAIT = Duration.ofSeconds(15);
    static final String LIMITED = "omni_sk_" + "L".repeat(32);
    static final String OTHER = "omni_sk_" + "O".repeat(32);
    static final UUID I1 = UUID.fromString("3f1c0000-0000-4000-8000-000000000001");
    static final UUID I2 = UUID.fromString("3f1c0000-0000-4000-8000-000000000002");
    static final Set<String> SHOWN = Set.of(SseFrame.EVENT_RECEIVED, SseFrame.INSTANCE_STATUS);

    ScratchNats nats;
    Connection apiConnection;
    ScratchDatabase scratch;
    TestApi api;
    Publisher publisher;
    OpenApiSchemas schemas;

    @BeforeAll
    void start() throws Exception {
        nats = ScratchNats.connect();
        nats.messageStream();
        nats.instanceStream();
        apiConnection = Nats.connect(nats.url());
        scratch = TestApi.freshDatabase();
        try (var c = scratch.connect()) {
            HttpContractTest.insertKey(c, LIMITED, "active", Optional.empty());
            HttpContractTest.insertKey(c, OTHER, "active", Optional.empty());
        }
        // these tests are about order and content: a buffer larger than any burst they publish, so a slow machine
        // cannot make the (counted, announced) drops for slow readers show up here; SseHubTest covers drops
        api = TestApi.start(scratch, false, InstantSource.fixed(NOW), Map.of("nats-subject-prefix", nats.prefix(),
                "sse-heartbeat", "1s", "sse-max-streams-per-key", "3", "sse-client-buffer", "10000"),
                Optional.of(apiConnection));
        publisher = Publisher.on(nats);
        schemas = OpenApiSchemas.load();
    }

    /** Streams a test closed are released when the server notices (its next write): wait, so limits start fresh. */
    @AfterEach
    void everyStreamReleased() {
        pollUntil(() -> api.server.api().sseHub().streams() == 0, "every stream of the test was released");
    }

    @AfterAll
    void stop() throws InterruptedException {
        api.close();
        scratch.close();
        apiConnection.close();
        nats.close();
    }

    EventSourceClient open(TestApi target, String query, Map<String, String> headers) {
        return EventSourceClient.open(URI.create(target.server.localUri() + "/api/v2/events/stream" + query), headers);
    }

    EventSourceClient open(String query) {
        return open(api, query, Map.of("x-api-key", TestApi.STATIC_KEY));
    }

    /** Opens a stream and reads its ready and first metrics frames. */
    EventSourceClient connected(String query, Map<String, String> headers) {
        EventSourceClient client = open(api, query, headers);
        assertEquals(200, client.status, () -> client.errorBody());
        client.expect("ready", WAIT);
        client.expect("metrics", WAIT);
        return client;
    }

    static OmniEvent.Meta meta(UUID instance, String channel, int n) {
        return OmniEvent.Meta.plugin("evt-" + n, instance, channel, "trace-" + n);
    }

    static long at(int n) {
        return NOW.toEpochMilli() - 60_000 + n;
    }

    static OmniEvent received(String id, UUID instance, String channel, int n) {
        return OmniEvent.messageReceived(id, at(n), meta(instance, channel, n), "ext-" + n, "chat-1", "from-1",
                OmniEvent.content("text", Optional.of("hello"), Optional.empty(), Optional.empty()));
    }

    static OmniEvent sent(String id, UUID instance, String channel, int n) {
        return OmniEvent.messageSent(id, at(n), meta(instance, channel, n), "ext-" + n, "chat-1", "to-1",
                OmniEvent.content("image", Optional.empty(), Optional.of("https://x/y.png"), Optional.empty()));
    }

    static OmniEvent failed(String id, UUID instance, String channel, int n) {
        return OmniEvent.messageFailed(id, at(n), meta(instance, channel, n), Optional.empty(), "chat-1", "boom",
                Optional.of("WHATSAPP_RATE_LIMITED"), true);
    }

    static OmniEvent connected(String id, UUID instance, boolean up, int n) {
        return up ? OmniEvent.instanceConnected(id, at(n), meta(instance, "whatsapp-baileys", n), instance,
                "whatsapp-baileys", Optional.of("Shop"), Optional.empty(), Optional.empty())
                : OmniEvent.instanceDisconnected(id, at(n), meta(instance, "whatsapp-baileys", n), instance,
                "whatsapp-baileys", Optional.of("connection lost"), true);
    }

    /** The frames the stream must show for {@code events}: the ingest's own decoder decides what counts. */
    static List<SseFrame> expected(List<OmniEvent> events, Predicate<SseFrame> filter) {
        EventDecoder decoder = new EventDecoder(1 << 20);
        List<SseFrame> out = new ArrayList<>();
        long seq = 0;
        for (OmniEvent event : events) {
            Decoded decoded = decoder.decode(new InboundMessage(event.subject(), event.toJson(), ++seq));
            SseFrame.of(decoded).filter(filter).ifPresent(out::add);
        }
        return out;
    }

    static List<EventSourceClient.Frame> shown(EventSourceClient client, int count) {
        List<EventSourceClient.Frame> out = new ArrayList<>();
        while (out.size() < count) {
            int got = out.size();
            out.add(client.nextMatching(f -> SHOWN.contains(f.event()), WAIT)
                    .orElseThrow(() -> new AssertionError("only " + got + " of " + count + " frames arrived")));
        }
        return out;
    }

    @Test
    void framesShowTheEventsTheIngestCountsInPublishOrder() throws Exception {
        try (EventSourceClient client = open("")) {
            assertEquals(200, client.status);
            assertEquals("text/event-stream", client.headers.get("content-type").get(0));
            assertEquals("no-cache", client.headers.get("cache-control").get(0));
            EventSourceClient.Frame ready = client.expect("ready", WAIT);
            JsonNode readyData = ready.json();
            assertFalse(readyData.get("resumed").asBoolean());
            assertTrue(readyData.get("eventsAvailable").asBoolean());
            assertEquals(1000, readyData.get("heartbeatMs").asLong());
            assertEquals(readyData.get("stream").asText() + "-" + ready.position(), ready.id());
            schemas.assertValid("StreamReady", readyData);
            EventSourceClient.Frame metrics = client.expect("metrics", WAIT);
            assertEquals(ready.id(), metrics.id());
            schemas.assertValid("Dashboard", metrics.json());

            OmniEvent replay = received("e-replay", I1, "whatsapp-baileys", 6)
                    .withPayloadField("_replay", BooleanNode.TRUE);
            List<OmniEvent> events = List.of(
                    received("e-1", I1, "whatsapp-baileys", 1),
                    sent("e-2", I2, "discord", 2),
                    failed("e-3", I1, "whatsapp-baileys", 3),
                    received("e-4", I2, "carrier-pigeon", 4),
                    received("e-bare", I1, "whatsapp-baileys", 5).withSubject("message.received"),
                    replay,
                    connected("c-1", I1, true, 7),
                    connected("c-2", I1, false, 8),
                    OmniEvent.messageDelivered("e-9", at(9), meta(I1, "whatsapp-baileys", 9), "ext-2", "chat-1", at(9)));
            publisher.publish(events);
            List<EventSourceClient.Frame> frames = shown(client, 7);
            List<String> data = frames.stream().map(EventSourceClient.Frame::data).toList();
            assertEquals(List.of(
                    "{\"id\":\"e-1\",\"eventType\":\"message.received\",\"instanceId\":\"" + I1 + "\",\"channel\":"
                            + "\"whatsapp-baileys\",\"direction\":\"inbound\",\"receivedAt\":\"2026-02-12T15:36:00.001Z\","
                            + "\"contentType\":\"text\",\"errorStage\":null}",
                    "{\"id\":\"e-2\",\"eventType\":\"message.sent\",\"instanceId\":\"" + I2 + "\",\"channel\":"
                            + "\"discord\",\"direction\":\"outbound\",\"receivedAt\":\"2026-02-12T15:36:00.002Z\","
                            + "\"contentType\":\"image\",\"errorStage\":null}",
                    "{\"id\":\"e-3\",\"eventType\":\"message.failed\",\"instanceId\":\"" + I1 + "\",\"channel\":"
                            + "\"whatsapp-baileys\",\"direction\":\"outbound\",\"receivedAt\":\"2026-02-12T15:36:00.003Z\","
                            + "\"contentType\":null,\"errorStage\":\"WHATSAPP_RATE_LIMITED\"}",
                    "{\"id\":\"e-4\",\"eventType\":\"message.received\",\"instanceId\":\"" + I2 + "\",\"channel\":"
                            + "\"discord\",\"direction\":\"inbound\",\"receivedAt\":\"2026-02-12T15:36:00.004Z\","
                            + "\"contentType\":\"text\",\"errorStage\":null}",
                    "{\"instanceId\":\"" + I1 + "\",\"isConnected\":true,\"changedAt\":\"2026-02-12T15:36:00.007Z\"}",
                    "{\"instanceId\":\"" + I1 + "\",\"isConnected\":false,\"changedAt\":\"2026-02-12T15:36:00.008Z\"}",
                    "{\"id\":\"e-9\",\"eventType\":\"message.delivered\",\"instanceId\":\"" + I1 + "\",\"channel\":"
                            + "\"whatsapp-baileys\",\"direction\":\"outbound\",\"receivedAt\":\"2026-02-12T15:36:00.009Z\","
                            + "\"contentType\":null,\"errorStage\":null}"), data,
                    "bare subjects and replays are not shown; unknown channels fall back to discord");
            assertEquals(List.of("event.received", "event.received", "event.received", "event.received",
                    "instance.status", "instance.status", "event.received"),
                    frames.stream().map(EventSourceClient.Frame::event).toList());
            for (int i = 0; i < frames.size(); i++) {
                assertEquals(ready.position() + 1 + i, frames.get(i).position(), "consecutive positions");
                assertTrue(frames.get(i).id().startsWith(readyData.get("stream").asText() + "-"));
                schemas.assertValid(frames.get(i).event().equals("event.received") ? "StreamEventReceived"
                        : "StreamInstanceStatus", frames.get(i).json());
            }

            // a busy installation's traffic, bare subjects, replays, foreign channels and automation events included
            List<Instance> instances = TrafficGenerator.defaultInstances(5, 9);
            List<OmniEvent> traffic = TrafficGenerator.generate(TrafficGenerator.Config.of(9, NOW, Duration.ofHours(2),
                    1_500, instances));
            List<SseFrame> want = expected(traffic, f -> true);
            assertTrue(want.size() < traffic.size() - 50, "the traffic has events the stream must not show");
            publisher.publishFast(traffic);
            List<EventSourceClient.Frame> got = shown(client, want.size());
            for (int i = 0; i < want.size(); i++) {
                assertEquals(want.get(i).event(), got.get(i).event(), "frame " + i);
                assertEquals(want.get(i).data(), got.get(i).data(), "frame " + i);
                assertEquals(frames.getLast().position() + 1 + i, got.get(i).position());
            }
            assertEquals(0, api.server.api().sseHub().natsDropped());
        }
    }

    @Test
    void filtersSelectInstancesAndEventTypes() throws Exception {
        try (EventSourceClient byInstance = connected("?instanceId=" + I1.toString().toUpperCase(), auth());
             EventSourceClient byType = connected("?eventTypes=message.failed,instance.disconnected", auth());
             EventSourceClient both = connected("?instanceId=" + I2 + "&eventTypes=message.sent", auth())) {
            List<OmniEvent> events = new ArrayList<>();
            for (int n = 0; n < 90; n++) {
                UUID instance = n % 3 == 0 ? I2 : I1;
                String id = "f-" + n;
                events.add(switch (n % 5) {
                    case 0 -> received(id, instance, "whatsapp-baileys", n);
                    case 1 -> sent(id, instance, "discord", n);
                    case 2 -> failed(id, instance, "whatsapp-baileys", n);
                    case 3 -> connected(id, instance, n % 2 == 0, n);
                    default -> received(id, UUID.randomUUID(), "telegram", n);
                });
            }
            publisher.publish(events);
            assertFiltered(byInstance, events, f -> f.instanceId().equals(Optional.of(I1.toString())));
            assertFiltered(byType, events, f -> f.eventType().filter(t -> t.equals("message.failed")
                    || t.equals("instance.disconnected")).isPresent());
            assertFiltered(both, events, f -> f.instanceId().equals(Optional.of(I2.toString()))
                    && f.eventType().equals(Optional.of("message.sent")));
        }
        Map<String, Set<String>> bad = Map.of(
                "?instanceId=abc", Set.of("instanceId"),
                "?eventTypes=message.lost", Set.of("eventTypes"),
                "?eventTypes=", Set.of("eventTypes"),
                "?instanceId=abc&eventTypes=message.sent,nope", Set.of("instanceId", "eventTypes"),
                "?eventTypes=message.sent&eventTypes=message.read", Set.of("eventTypes"));
        bad.forEach((query, fields) -> {
            try (EventSourceClient client = open(query)) {
                assertEquals(400, client.status, query);
                JsonNode error = TestApi.JSON.readTree(client.errorBody()).get("error");
                assertEquals("VALIDATION_ERROR", error.get("code").asText());
                Set<String> named = new TreeSet<>();
                error.get("details").get("fields").fieldNames().forEachRemaining(named::add);
                assertEquals(fields, named, query);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private static Map<String, String> auth() {
        return Map.of("x-api-key", TestApi.STATIC_KEY);
    }

    /** Everything expected arrives in order, and nothing else: the last expected frame ends the check. */
    private static void assertFiltered(EventSourceClient client, List<OmniEvent> events, Predicate<SseFrame> filter) {
        List<SseFrame> want = expected(events, filter);
        assertTrue(want.size() >= 5, "a meaningful selection");
        List<EventSourceClient.Frame> got = shown(client, want.size());
        assertEquals(want.stream().map(SseFrame::data).toList(), got.stream().map(EventSourceClient.Frame::data).toList());
    }

    @Test
    void theKeyComesByHeaderOrQueryParameter() {
        try (EventSourceClient none = open(api, "", Map.of())) {
            assertEquals(401, none.status);
            assertEquals(HttpContractTest.MISSING, none.errorBody());
        }
        try (EventSourceClient invalid = open(api, "?api_key=omni_sk_" + "N".repeat(32), Map.of())) {
            assertEquals(401, invalid.status);
            assertEquals(HttpContractTest.INVALID, invalid.errorBody());
        }
        try (EventSourceClient byQuery = connected("?api_key=" + OTHER, Map.of());
             EventSourceClient byHeader = connected("", Map.of("x-api-key", OTHER))) {
            assertTrue(byQuery.headers.containsKey("x-ratelimit-remaining"));
            assertTrue(byHeader.headers.containsKey("x-request-id"));
        }
    }

    @Test
    void eachKeyMayHoldALimitedNumberOfStreams() {
        Map<String, String> limited = Map.of("x-api-key", LIMITED);
        List<EventSourceClient> open = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                open.add(connected("", limited));
            }
            try (EventSourceClient refused = open(api, "?api_key=" + LIMITED, Map.of())) {
                assertEquals(429, refused.status);
                assertEquals("{\"error\":{\"code\":\"RATE_LIMITED\",\"message\":\"Too many concurrent streams for this"
                        + " API key. Close one before opening another.\",\"details\":{\"limit\":3}}}", refused.errorBody());
            }
            try (EventSourceClient other = connected("", Map.of("x-api-key", OTHER))) {
                assertEquals(200, other.status, "another key has its own limit");
            }
            open.remove(0).close();
            // the server frees the slot when it notices the client left (at the next heartbeat at the latest)
            open.add(Poll.first(WAIT, () -> "a slot came free after a stream closed", () -> {
                EventSourceClient again = open(api, "", limited);
                if (again.status == 200) {
                    return Optional.of(again);
                }
                again.close();
                return Optional.empty();
            }));
        } finally {
            open.forEach(EventSourceClient::close);
        }
    }

    @Test
    void lastEventIdReplaysWhatTheServerStillHas() throws Exception {
        List<OmniEvent> first = new ArrayList<>();
        List<OmniEvent> second = new ArrayList<>();
        for (int n = 0; n < 10; n++) {
            first.add(n % 2 == 0 ? received("r-" + n, I1, "telegram", n) : failed("r-" + n, I2, "discord", n));
            second.add(n % 2 == 0 ? sent("s-" + n, I1, "telegram", n) : failed("s-" + n, I2, "discord", n));
        }
        String resumeFrom;
        try (EventSourceClient client = connected("", auth())) {
            publisher.publish(first);
            List<EventSourceClient.Frame> frames = shown(client, 10);
            resumeFrom = frames.get(3).id();
        }
        publisher.publish(second); // nobody is connected; the subscription lingers and keeps the history

        List<String> missed = new ArrayList<>();
        first.subList(4, 10).forEach(e -> missed.add(e.id()));
        second.forEach(e -> missed.add(e.id()));
        try (EventSourceClient resumed = open(api, "", Map.of("x-api-key", TestApi.STATIC_KEY, "Last-Event-ID", resumeFrom))) {
            EventSourceClient.Frame ready = resumed.expect("ready", WAIT);
            assertEquals(resumeFrom, ready.id());
            assertTrue(ready.json().get("resumed").asBoolean());
            assertEquals(16, ready.json().get("replayed").asInt());
            List<EventSourceClient.Frame> replay = shown(resumed, 16);
            assertEquals(missed, replay.stream().map(f -> f.json().get("id").asText()).toList());
            EventSourceClient.Frame metrics = resumed.expect("metrics", WAIT);
            assertEquals(replay.getLast().id(), metrics.id());
        }
        try (EventSourceClient failedOnly = open("?eventTypes=message.failed&lastEventId=" + resumeFrom)) {
            EventSourceClient.Frame ready = failedOnly.expect("ready", WAIT);
            assertTrue(ready.json().get("resumed").asBoolean());
            assertEquals(8, ready.json().get("replayed").asInt(), "the filter applies to the replay");
            assertTrue(shown(failedOnly, 8).stream().allMatch(f -> f.json().get("eventType").asText().equals("message.failed")));
        }
        everyStreamReleased();
        String stream = resumeFrom.substring(0, resumeFrom.lastIndexOf('-'));
        for (String unusable : List.of("elsewhere-3", stream + "-99999999", "garbage")) {
            try (EventSourceClient fresh = open(api, "", Map.of("x-api-key", TestApi.STATIC_KEY, "Last-Event-ID", unusable))) {
                EventSourceClient.Frame ready = fresh.expect("ready", WAIT);
                assertFalse(ready.json().get("resumed").asBoolean(), unusable);
                assertEquals(0, ready.json().get("replayed").asInt());
                fresh.expect("metrics", WAIT);
            }
        }
    }

    @Test
    void heartbeatCommentsKeepAnIdleStreamAlive() {
        try (EventSourceClient client = connected("?eventTypes=instance.connected&instanceId=" + UUID.randomUUID(), auth())) {
            EventSourceClient.Frame heartbeat = client.nextMatching(EventSourceClient.Frame::isComment, Duration.ofSeconds(5))
                    .orElseThrow(() -> new AssertionError("no heartbeat within 5 s at sse-heartbeat=1s"));
            assertEquals("heartbeat " + NOW.toEpochMilli(), heartbeat.data());
            assertTrue(client.nextMatching(EventSourceClient.Frame::isComment, Duration.ofSeconds(5)).isPresent());
        }
    }

    @Test
    void metricsFramesCarryTheDashboardSummary() throws SQLException {
        try (TestApi fast = TestApi.start(scratch, false, InstantSource.fixed(NOW),
                Map.of("sse-metrics-interval", "500ms"), Optional.empty());
             EventSourceClient client = open(fast, "", auth())) {
            EventSourceClient.Frame ready = client.expect("ready", WAIT);
            assertFalse(ready.json().get("eventsAvailable").asBoolean(), "no NATS: metrics only");
            JsonNode first = client.expect("metrics", WAIT).json();
            JsonNode body = fast.get("/api/v2/dashboard").json();
            for (String part : List.of("instances", "events", "deadLetters", "automations")) {
                assertEquals(body.get(part), first.get(part), part);
            }
            assertEquals(body.get("system").get("status"), first.get("system").get("status"));
            long pending = first.get("deadLetters").get("pending").asLong();
            try (var c = scratch.connect(); var s = c.createStatement()) {
                s.executeUpdate("INSERT INTO dead_letter_events (event_id, event_type, subject, payload, error)"
                        + " VALUES ('sse', 'message.sent', 'message.sent', '{}', 'boom')");
            }
            fast.server.api().refreshLiveCounts();
            EventSourceClient.Frame updated = client.nextMatching(f -> f.event().equals("metrics")
                    && f.json().get("deadLetters").get("pending").asLong() == pending + 1, WAIT)
                    .orElseThrow(() -> new AssertionError("the new dead letter never showed in a metrics frame"));
            assertEquals(ready.id(), updated.id(), "no event frame came in between");
        }
    }

    @Test
    void aStalledClientIsCutLooseWithoutSlowingOthersOrNats() throws Exception {
        Map<String, String> settings = new HashMap<>();
        settings.put("nats-subject-prefix", nats.prefix());
        settings.put("sse-heartbeat", "1s");
        settings.put("sse-client-buffer", "100000");
        try (TestApi own = TestApi.start(scratch, false, InstantSource.fixed(NOW), settings, Optional.of(apiConnection));
             Socket stalled = new Socket()) {
            SseHub hub = own.server.api().sseHub();
            stalled.setReceiveBufferSize(4096);
            stalled.connect(new InetSocketAddress("127.0.0.1", own.server.port()), 5_000);
            OutputStream request = stalled.getOutputStream();
            request.write(("GET /api/v2/events/stream?api_key=" + TestApi.STATIC_KEY + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Accept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            request.flush();
            InputStream stalledIn = stalled.getInputStream();
            assertEquals("HTTP/1.1 200 OK", readLine(stalledIn)); // and then it never reads again

            try (EventSourceClient good = open(own, "", auth())) {
                good.expect("ready", WAIT);
                good.expect("metrics", WAIT);
                long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
                List<Instance> instances = TrafficGenerator.defaultInstances(3, 4);
                long published = 0;
                int batch = 0;
                long slowestBatchNanos = 0;
                while (hub.clientsCut() == 0 && System.nanoTime() < deadline) {
                    List<OmniEvent> events = TrafficGenerator.generate(new TrafficGenerator.Config(batch, NOW.minusSeconds(600),
                            NOW, 1_000, instances, TrafficGenerator.Mix.messagesOnly()));
                    long start = System.nanoTime();
                    publisher.publishFast(events);
                    published += events.size();
                    List<SseFrame> want = expected(events, f -> true);
                    List<EventSourceClient.Frame> got = shown(good, want.size());
                    slowestBatchNanos = Math.max(slowestBatchNanos, System.nanoTime() - start);
                    assertEquals(want.stream().map(SseFrame::data).toList(),
                            got.stream().map(EventSourceClient.Frame::data).toList(), "batch " + batch);
                    batch++;
                }
                assertEquals(1, hub.clientsCut(), "the stalled client was cut loose after " + published + " events");
                assertTrue(slowestBatchNanos < Duration.ofSeconds(10).toNanos(),
                        "the good client got each batch of 1000 within " + slowestBatchNanos / 1e6 + " ms");
                assertTrue(good.drain().stream().noneMatch(f -> f.event().equals("dropped")), "nothing dropped for it");
                long target = published;
                pollUntil(() -> hub.natsMessages() >= target, "every published message reached the API");
                assertEquals(0, hub.natsDropped(), "NATS never had to drop a message for the API");
                pollUntil(() -> hub.streams() == 1, "the stalled stream is gone, the good one stays");

                // the stalled socket holds what the kernel had buffered, then the server's close
                stalled.setSoTimeout(10_000);
                byte[] buffer = new byte[1 << 16];
                try {
                    while (stalledIn.read(buffer) >= 0) {
                        // drain
                    }
                } catch (SocketException e) {
                    // reset by the server: just as good
                }

                publisher.publish(List.of(received("after-cut", I1, "telegram", 1)));
                EventSourceClient.Frame after = good.nextMatching(f -> f.event().equals("event.received"), WAIT).orElseThrow();
                assertEquals("after-cut", after.json().get("id").asText());
            }
        }
    }

    private static void pollUntil(BooleanSupplier condition, String what) {
        Poll.until(WAIT, what, condition);
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }
}
