package dev.omnirollup.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The live stream's hub without HTTP: drops, the stall watchdog, resume rules and the per-key limit. */
class SseHubTest {
    static final InstantSource CLOCK = InstantSource.fixed(Instant.parse("2026-02-12T15:37:00Z"));

    record Written(String id, String event, String data) {
        JsonNode json() {
            try {
                return TestApi.JSON.readTree(data);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** A sink that records frames; it can be made to block its first write until released. */
    static final class RecordingSink implements SseSink {
        final LinkedBlockingQueue<Written> written = new LinkedBlockingQueue<>();
        final CountDownLatch blocked = new CountDownLatch(1);
        final CountDownLatch release;

        RecordingSink(boolean blockFirst) {
            this.release = new CountDownLatch(blockFirst ? 1 : 0);
        }

        @Override
        public void frame(String id, String event, String data) {
            blocked.countDown();
            try {
                if (!release.await(30, TimeUnit.SECONDS)) {
                    throw new AssertionError("never released");
                }
            } catch (InterruptedException e) {
                // what a blocked socket write does when its virtual thread is interrupted
                throw new UncheckedIOException(new InterruptedIOException("closed by interrupt"));
            }
            written.add(new Written(id, event, data));
        }

        @Override
        public void comment(String text) {
            written.add(new Written("", ":comment", text));
        }

        @Override
        public void flush() {
            // frames are recorded as they are added
        }

        Written next() throws InterruptedException {
            Written w = written.poll(10, TimeUnit.SECONDS);
            if (w == null) {
                throw new AssertionError("no frame within 10 s");
            }
            return w;
        }
    }

    static SseHub hub(int buffer, Duration heartbeat, int maxPerKey) {
        return new SseHub(new SseHub.Settings(Duration.ofMinutes(10), heartbeat, maxPerKey, buffer, "",
                1 << 20), Optional.empty(), CLOCK, () -> Map.of("summary", 1));
    }

    static SseFrame event(int n, String type, String instance) {
        return new SseFrame(SseFrame.EVENT_RECEIVED, "{\"n\":" + n + "}", Optional.of(type),
                Optional.of(instance), 0);
    }

    static Thread serve(SseHub hub, SseClient client, SseSink sink) {
        return Thread.ofVirtual().start(() -> {
            hub.serve(client, sink);
            hub.release(client);
        });
    }

    @Test
    void aSlowClientLosesFramesCountedAndToldWhileTheFanOutGoesOn() throws Exception {
        try (SseHub hub = hub(16, Duration.ofSeconds(30), 5)) {
            SseClient slow = hub.open("k", SseQuery.everything());
            SseClient fast = hub.open("k", SseQuery.everything());
            RecordingSink slowSink = new RecordingSink(true);
            RecordingSink fastSink = new RecordingSink(false);
            Thread slowThread = serve(hub, slow, slowSink);
            Thread fastThread = serve(hub, fast, fastSink);
            assertTrue(slowSink.blocked.await(10, TimeUnit.SECONDS));
            assertEquals("ready", fastSink.next().event());
            assertEquals("metrics", fastSink.next().event());
            long start = System.nanoTime();
            for (int i = 1; i <= 100; i++) {
                hub.publish(event(i, "message.received", "i1"));
                // the fast client keeps up: wait for each frame so its queue never fills
                Written w = fastSink.next();
                assertEquals(i, w.json().get("n").asInt());
                assertEquals(hub.streamId() + "-" + i, w.id());
            }
            assertTrue(System.nanoTime() - start < Duration.ofSeconds(10).toNanos());
            assertEquals(84, hub.framesDropped(), "16 queued for the slow client, the rest dropped");
            slowSink.release.countDown();
            assertEquals("ready", slowSink.next().event());
            assertEquals("metrics", slowSink.next().event());
            Written notice = slowSink.next();
            assertEquals("dropped", notice.event());
            assertEquals("{\"count\":84,\"total\":84}", notice.data());
            for (int i = 1; i <= 16; i++) {
                assertEquals(i, slowSink.next().json().get("n").asInt());
            }
            assertEquals(84, slow.droppedTotal());
            assertEquals(0, fast.droppedTotal());
            slow.cut();
            fast.cut();
            slowThread.join(5_000);
            fastThread.join(5_000);
            assertEquals(0, hub.streams());
        }
    }

    @Test
    void aStalledClientIsCutLooseAndNeverBlocksTheFanOut() throws Exception {
        try (SseHub hub = hub(512, Duration.ofSeconds(1), 5)) {
            SseClient stalled = hub.open("k", SseQuery.everything());
            RecordingSink never = new RecordingSink(true);
            Thread thread = serve(hub, stalled, never);
            assertTrue(never.blocked.await(10, TimeUnit.SECONDS));
            long start = System.nanoTime();
            for (int i = 1; i <= 50_000; i++) {
                hub.publish(event(i, "message.sent", "i1"));
            }
            long publishNanos = System.nanoTime() - start;
            assertTrue(publishNanos < Duration.ofSeconds(2).toNanos(), "fan-out took " + publishNanos / 1e6 + " ms");
            Poll.until(Duration.ofSeconds(15), "the stalled client is cut loose", () -> hub.clientsCut() > 0);
            assertEquals(1, hub.clientsCut(), "cut loose after two heartbeat intervals of a blocked write");
            thread.join(5_000);
            assertFalse(thread.isAlive());
            assertEquals(0, hub.streams(), "its slot is free again");
            assertEquals(50_000 - 512, stalled.droppedTotal());
        }
    }

    @Test
    void resumeReplaysWhatTheHistoryStillHolds() throws Exception {
        try (SseHub hub = hub(20_000, Duration.ofSeconds(30), 50)) {
            for (int i = 1; i <= 6; i++) {
                hub.publish(event(i, i % 2 == 0 ? "message.failed" : "message.sent", i <= 3 ? "i1" : "i2"));
            }
            String stream = hub.streamId();
            List<Written> replay = open(hub, new SseQuery(Optional.empty(), Set.of(), Optional.of(stream + "-2")), 4);
            assertEquals(stream + "-2", replay.get(0).id(), "ready carries the resume position");
            assertEquals(true, replay.get(0).json().get("resumed").asBoolean());
            assertEquals(4, replay.get(0).json().get("replayed").asInt());
            assertEquals(List.of(3, 4, 5, 6), replay.subList(1, 5).stream().map(w -> w.json().get("n").asInt()).toList());

            List<Written> filtered = open(hub, new SseQuery(Optional.of("i2"), Set.of("message.failed"),
                    Optional.of(stream + "-1")), 2);
            assertEquals(2, filtered.get(0).json().get("replayed").asInt());
            assertEquals(List.of(4, 6), filtered.subList(1, 3).stream().map(w -> w.json().get("n").asInt()).toList());

            for (String id : List.of("other-2", stream + "-7", stream + "-x", stream + "-", stream)) {
                Written ready = open(hub, new SseQuery(Optional.empty(), Set.of(), Optional.of(id)), 0).get(0);
                assertFalse(ready.json().get("resumed").asBoolean(), id);
                assertEquals(stream + "-6", ready.id(), "an unusable id starts from now: " + id);
            }
            Written current = open(hub, new SseQuery(Optional.empty(), Set.of(), Optional.of(stream + "-6")), 0).get(0);
            assertTrue(current.json().get("resumed").asBoolean(), "resuming from the newest frame replays nothing");

            for (int i = 7; i <= SseHub.HISTORY + 10; i++) {
                hub.publish(event(i, "message.sent", "i1"));
            }
            Written tooOld = open(hub, new SseQuery(Optional.empty(), Set.of(), Optional.of(stream + "-6")), 0).get(0);
            assertFalse(tooOld.json().get("resumed").asBoolean(), "frame 7 was forgotten");
            Written edge = open(hub, new SseQuery(Optional.empty(), Set.of(), Optional.of(stream + "-10")), 0).get(0);
            assertTrue(edge.json().get("resumed").asBoolean(), "frames 11.. are all still there");
            assertEquals(SseHub.HISTORY, edge.json().get("replayed").asInt());
        }
    }

    /** Opens a stream, returns its ready frame and the next {@code replayed} frames, and closes it. */
    private static List<Written> open(SseHub hub, SseQuery query, int replayed) throws InterruptedException {
        SseClient client = hub.open("k", query);
        RecordingSink sink = new RecordingSink(false);
        Thread thread = serve(hub, client, sink);
        List<Written> out = new ArrayList<>();
        out.add(sink.next());
        for (int i = 0; i < replayed; i++) {
            out.add(sink.next());
        }
        client.cut();
        thread.join(5_000);
        return out;
    }

    @Test
    void theStreamLimitIsPerKey() {
        try (SseHub hub = hub(16, Duration.ofSeconds(30), 2)) {
            SseClient first = hub.open("k1", SseQuery.everything());
            hub.open("k1", SseQuery.everything());
            ApiProblem limited = assertThrows(ApiProblem.class, () -> hub.open("k1", SseQuery.everything()));
            assertEquals(429, limited.status());
            assertEquals("{\"error\":{\"code\":\"RATE_LIMITED\",\"message\":\"Too many concurrent streams for this API"
                    + " key. Close one before opening another.\",\"details\":{\"limit\":2}}}", Json.write(limited.body()));
            hub.open("k2", SseQuery.everything());
            hub.release(first);
            hub.release(first);
            hub.open("k1", SseQuery.everything());
            assertThrows(ApiProblem.class, () -> hub.open("k1", SseQuery.everything()));
            assertEquals(2, hub.streamsRejected());
            assertEquals(3, hub.streams());
        }
    }

    @Test
    void queryValidationAndFilters() {
        SseQuery query = SseQuery.parse(Map.of("instanceId", List.of("3F1C0000-0000-4000-8000-000000000001"),
                "eventTypes", List.of("message.failed, instance.disconnected")), Optional.empty());
        assertEquals(Optional.of("3f1c0000-0000-4000-8000-000000000001"), query.instanceId());
        assertEquals(Set.of("message.failed", "instance.disconnected"), query.eventTypes());
        assertTrue(query.matches(new SseFrame("metrics", "{}", Optional.empty(), Optional.empty(), 0)));
        assertTrue(query.matches(event(1, "message.failed", "3f1c0000-0000-4000-8000-000000000001")));
        assertFalse(query.matches(event(1, "message.sent", "3f1c0000-0000-4000-8000-000000000001")));
        assertFalse(query.matches(event(1, "message.failed", "3f1c0000-0000-4000-8000-000000000002")));

        assertEquals(Optional.of("h-1"), SseQuery.parse(Map.of("lastEventId", List.of("q-1")),
                Optional.of("h-1")).lastEventId(), "the header wins");
        assertEquals(Optional.of("q-1"), SseQuery.parse(Map.of("lastEventId", List.of("q-1")),
                Optional.empty()).lastEventId());
        assertEquals(Optional.empty(), SseQuery.parse(Map.of(), Optional.of("x".repeat(101))).lastEventId());

        Map<Map<String, List<String>>, Set<String>> bad = Map.of(
                Map.of("instanceId", List.of("abc")), Set.of("instanceId"),
                Map.of("eventTypes", List.of("message.lost")), Set.of("eventTypes"),
                Map.of("eventTypes", List.of("")), Set.of("eventTypes"),
                Map.of("eventTypes", List.of("message.sent,")), Set.of("eventTypes"),
                Map.of("eventTypes", List.of("instance.status")), Set.of("eventTypes"),
                Map.of("instanceId", List.of("abc"), "eventTypes", List.of("x")), Set.of("instanceId", "eventTypes"),
                Map.of("lastEventId", List.of("a", "b")), Set.of("lastEventId"));
        bad.forEach((raw, fields) -> {
            ApiProblem problem = assertThrows(ApiProblem.class, () -> SseQuery.parse(raw, Optional.empty()), raw::toString);
            assertEquals(400, problem.status());
            @SuppressWarnings("unchecked")
            Map<String, Object> error = (Map<String, Object>) problem.body().get("error");
            @SuppressWarnings("unchecked")
            Map<String, Object> details = (Map<String, Object>) error.get("details");
            @SuppressWarnings("unchecked")
            Map<String, Object> named = (Map<String, Object>) details.get("fields");
            assertEquals(fields, named.keySet(), raw.toString());
        });
    }
}
