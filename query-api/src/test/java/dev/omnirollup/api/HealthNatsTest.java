package dev.omnirollup.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.omnirollup.sim.ScratchDatabase;
import dev.omnirollup.sim.ScratchNats;
import dev.omnirollup.store.BatchApplier;
import dev.omnirollup.store.EventDecoder;
import dev.omnirollup.store.InboundMessage;
import dev.omnirollup.store.Partitioning;
import dev.omnirollup.store.RollupDatabase;
import dev.omnirollup.store.StreamRef;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The health checks against a real NATS JetStream: connection, JetStream, and the ingest's lag and progress. */
class HealthNatsTest {
    static final Instant NOW = Instant.parse("2026-02-12T15:37:00Z");

    /** A clock tests move by hand. */
    static final class ManualClock implements InstantSource {
        volatile Instant now;

        ManualClock(Instant now) {
            this.now = now;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void reportsNatsAndIngestTruthfully() throws Exception {
        ManualClock clock = new ManualClock(NOW);
        try (ScratchNats nats = ScratchNats.connect(); ScratchDatabase scratch = TestApi.freshDatabase()) {
            String messages = nats.messageStream();
            String automation = nats.automationStream();
            String consumer = "omni-rollup-health-test";
            Map<String, String> settings = settings(nats, "ingest-consumer", consumer);
            try (TestApi api = TestApi.start(scratch, false, clock, settings, Optional.of(nats.connection()))) {
                JsonNode health = health(api, 200);
                JsonNode checks = health.get("checks");
                assertEquals("ok", checks.get("nats").get("status").asText());
                assertTrue(checks.get("nats").get("details").get("connected").asBoolean());
                assertTrue(checks.get("nats").get("details").get("jetstream").asBoolean());
                assertEquals("error", checks.get("ingest").get("status").asText(), "no consumer yet");
                assertTrue(checks.get("ingest").get("streams").get(messages).get("error").asText().contains("does not exist"));

                for (String stream : List.of(messages, automation)) {
                    nats.management().addOrUpdateConsumer(stream, ConsumerConfiguration.builder().durable(consumer)
                            .ackPolicy(AckPolicy.Explicit).build());
                }
                for (int i = 0; i < 5; i++) {
                    nats.jetStream().publish(nats.subject("message.received.discord.x"),
                            "{}".getBytes(StandardCharsets.UTF_8));
                }
                clock.now = NOW.plus(HealthProbe.TTL); // what NATS says is reused for up to a second
                JsonNode waiting = health(api, 200).get("checks").get("ingest");
                assertEquals("error", waiting.get("status").asText(), "messages waiting, nothing ever applied");
                assertEquals(5, waiting.get("streams").get(messages).get("lag").asLong());
                assertEquals("ok", waiting.get("streams").get(automation).get("status").asText(), "idle is fine");
                assertEquals(0, waiting.get("streams").get(automation).get("lag").asLong());

                // the ingest applies something now: waiting messages with a fresh commit are fine
                try (RollupDatabase database = TestApi.open(scratch, 1)) {
                    Instant cutover = database.ensureCutover(NOW.minusSeconds(3600));
                    new BatchApplier(database, new EventDecoder(1 << 20), clock, Duration.ofDays(9), cutover)
                            .apply(new StreamRef(messages, NOW.minusSeconds(86_400)), List.of(new InboundMessage(
                                    "message.received", "{}".getBytes(StandardCharsets.UTF_8), 1)));
                }
                clock.now = NOW.plusSeconds(6); // the batch above was applied at NOW + 1 s
                JsonNode applied = health(api, 200).get("checks").get("ingest").get("streams").get(messages);
                assertEquals("ok", applied.get("status").asText(), applied.toString());
                assertEquals(1, applied.get("lastSeq").asLong());
                assertEquals(5_000, applied.get("lastAppliedAgeMs").asLong());

                clock.now = NOW.plusSeconds(80);
                JsonNode slow = health(api, 200).get("checks").get("ingest").get("streams").get(messages);
                assertEquals("ok", slow.get("status").asText(), "75 s without a commit is within ingest-stall-threshold");

                clock.now = NOW.plusSeconds(120);
                JsonNode stalled = health(api, 200).get("checks").get("ingest").get("streams").get(messages);
                assertEquals("error", stalled.get("status").asText(), "lag with no commit for 2 minutes");
            }

            Connection closed = Nats.connect(nats.url());
            closed.close();
            try (TestApi api = TestApi.start(scratch, false, clock, settings, Optional.of(closed))) {
                JsonNode checks = health(api, 200).get("checks");
                assertEquals("error", checks.get("nats").get("status").asText());
                assertFalse(checks.get("nats").get("details").get("connected").asBoolean());
                assertEquals("error", checks.get("ingest").get("status").asText());
                assertTrue(checks.get("ingest").get("streams").get(messages).get("lag").isNull());
                assertFalse(api.get("/api/v2/dashboard").json().get("system").get("natsConnected").asBoolean());
            }
        }
    }

    /**
     * With ingest partitions the check asks every partition's consumer: a missing one is named, the lag is the slowest
     * partition's (each consumer delivers every message), and a partition's progress row counts for its stream.
     */
    @Test
    void withPartitionsAsksEveryPartitionsConsumer() throws Exception {
        ManualClock clock = new ManualClock(NOW);
        try (ScratchNats nats = ScratchNats.connect(); ScratchDatabase scratch = TestApi.freshDatabase()) {
            String messages = nats.messageStream();
            String automation = nats.automationStream();
            Map<String, String> settings = settings(nats, "ingest-consumer", "health-parts", "ingest-partitions", "2");
            try (TestApi api = TestApi.start(scratch, false, clock, settings, Optional.of(nats.connection()))) {
                for (String stream : List.of(messages, automation)) {
                    nats.management().addOrUpdateConsumer(stream, ConsumerConfiguration.builder()
                            .durable("health-parts-p0of2").ackPolicy(AckPolicy.Explicit).build());
                }
                JsonNode half = health(api, 200).get("checks").get("ingest").get("streams").get(messages);
                assertTrue(half.get("error").asText().contains("consumer health-parts-p1of2 does not exist"),
                        half.toString());

                for (String stream : List.of(messages, automation)) {
                    nats.management().addOrUpdateConsumer(stream, ConsumerConfiguration.builder()
                            .durable("health-parts-p1of2").ackPolicy(AckPolicy.Explicit).build());
                }
                for (int i = 0; i < 5; i++) {
                    nats.jetStream().publish(nats.subject("message.received.discord.x"),
                            "{}".getBytes(StandardCharsets.UTF_8));
                }
                try (RollupDatabase database = TestApi.open(scratch, 1)) {
                    Instant cutover = database.ensureCutover(NOW.minusSeconds(3600));
                    BatchApplier applier = new BatchApplier(database, new EventDecoder(1 << 20), clock,
                            Duration.ofDays(9), cutover);
                    // sequence 3, a message without an external id, is partition 1's of 2
                    applier.apply(new StreamRef(messages, NOW.minusSeconds(86_400)), new Partitioning(2, 1),
                            applier.prepare(List.of(new InboundMessage("message.received",
                                    "{}".getBytes(StandardCharsets.UTF_8), 3))));
                }
                clock.now = NOW.plusSeconds(6);
                JsonNode both = health(api, 200).get("checks").get("ingest").get("streams").get(messages);
                assertEquals("ok", both.get("status").asText(), both.toString());
                assertEquals(5, both.get("lag").asLong(), "the slowest partition's lag, not the sum");
                assertEquals(3, both.get("lastSeq").asLong(), "partition 1's progress row");
            }
        }
    }

    /** The test's streams, a stall threshold of 90 s, and these settings (name, value, …). */
    private static Map<String, String> settings(ScratchNats nats, String... more) {
        Map<String, String> settings = new HashMap<>(Map.of("message-stream", nats.messageStream(),
                "automation-stream", nats.automationStream(), "ingest-stall-threshold", "90s"));
        for (int i = 0; i < more.length; i += 2) {
            settings.put(more[i], more[i + 1]);
        }
        return settings;
    }

    private static JsonNode health(TestApi api, int status) {
        TestApi.Reply reply = api.get("/api/v2/health", Map.of());
        assertEquals(status, reply.status(), reply.body());
        return reply.json();
    }
}
