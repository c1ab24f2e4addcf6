package dev.omnirollup.ingest;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.omnirollup.sim.OmniEvent;
import dev.omnirollup.store.Await;
import dev.omnirollup.store.Metrics;
import dev.omnirollup.store.ReferenceCheck;
import dev.omnirollup.store.StoreSettings;
import io.nats.client.Connection;
import io.nats.client.FetchConsumer;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.DeliverPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A consumer of one partition acknowledges cumulatively (JetStream's AckAll): the server takes an ack of one message
 * for every message below it, whoever holds them, so the ingest acks only as far as everything below is applied.
 * Against a real server: a new consumer is created so and counts every event once; messages another consumer holds
 * unapplied (a process killed before its commit) keep the ack floor below them until NATS redelivers them and they
 * are applied; a consumer created with an ack per message keeps it; a consumer that holds messages below its ack
 * floor (nats-server before 2.9.15, after a restart) is recreated from the floor.
 */
class AckPolicyTest {
    @Test
    void aNewConsumerAcknowledgesCumulativelyAndCountsEveryEventOnce() throws Exception {
        try (IngestHarness harness = new IngestHarness()) {
            publish(harness, 81, 3_000);
            ConsumerInfo info = drainAndCheck(harness, AckPolicy.All);
            assertEquals(harness.nats.messageCount(harness.nats.messageStream()),
                    info.getAckFloor().getStreamSequence(), "acknowledged to the last message");
        }
    }

    @Test
    void messagesAnotherProcessHoldsUnappliedKeepTheAckFloorBelowThemUntilTheyAreApplied() throws Exception {
        try (IngestHarness harness = new IngestHarness()) {
            publish(harness, 82, 3_000);
            createConsumer(harness, AckPolicy.All, Duration.ofSeconds(20));
            List<Long> held = new ArrayList<>();
            try (Connection killed = Nats.connect(harness.nats.url())) { // takes 40 messages and dies with them
                FetchConsumer fetch = killed.getStreamContext(harness.nats.messageStream())
                        .getConsumerContext(durable(harness)).fetchMessages(40);
                for (Message m = fetch.nextMessage(); m != null; m = fetch.nextMessage()) {
                    held.add(m.metaData().streamSequence());
                }
            }
            assertEquals(40, held.size());
            long messages = harness.nats.messageCount(harness.nats.messageStream());
            harness.startInProcess();
            Await.until("the ingest applied every message but the 40 held", Duration.ofSeconds(60),
                    () -> appliedMessages(harness) >= messages - held.size() && appliedMessages(harness) < messages);
            ConsumerInfo during = consumer(harness);
            assertTrue(during.getAckFloor().getStreamSequence() < held.get(0),
                    "no ack past the first held message (" + held.get(0) + "): floor "
                            + during.getAckFloor().getStreamSequence());
            assertTrue(during.getNumAckPending() >= held.size());
            harness.awaitCaughtUp(Duration.ofSeconds(120)); // after the ack wait NATS redelivers the 40
            assertEquals(messages, consumer(harness).getAckFloor().getStreamSequence());
            new ReferenceCheck(harness.rollups).assertAllTimeMatches();
        }
    }

    @Test
    void aConsumerCreatedWithAnAckPerMessageKeepsIt() throws Exception {
        try (IngestHarness harness = new IngestHarness()) {
            publish(harness, 83, 2_000);
            createConsumer(harness, AckPolicy.Explicit, Duration.ofSeconds(4));
            drainAndCheck(harness, AckPolicy.Explicit);
        }
    }

    @Test
    void theSettingOffCreatesAConsumerWithAnAckPerMessage() throws Exception {
        try (IngestHarness harness = new IngestHarness()) {
            harness.set("ingest-ack-all", "false");
            publish(harness, 84, 1_000);
            drainAndCheck(harness, AckPolicy.Explicit);
        }
    }

    /**
     * nats-server before 2.9.15 keeps a message pending for ever on an AckAll consumer when it delivers it at or below
     * the consumer's ack floor (an ack that reached the server before its delivery did: after a restart, an ack sent
     * before it for a delivery the server had not stored yet), and redelivers it every ack wait; no ack can take it
     * away. The ingest recreates such a consumer from its ack floor. Made here as on a restart: the messages are
     * applied, the consumer is made anew and an ack of the last one reaches it before any delivery. A server from
     * 2.11 on ignores that ack (the test is skipped); from 2.9.15 on it drops such messages itself, so the recreation
     * is required only of an older one.
     */
    @Test
    void aConsumerThatHoldsMessagesBelowItsAckFloorIsRecreatedFromItsFloor() throws Exception {
        try (IngestHarness harness = new IngestHarness()) {
            List<OmniEvent> events = harness.traffic(85, 2_500);
            harness.persistReference(events);
            harness.set("ingest-batch-size", "200");
            harness.publish(events.subList(0, 2_000));
            IngestDaemon first = harness.startInProcess();
            harness.awaitCaughtUp(Duration.ofSeconds(120));
            first.close();

            long applied = harness.nats.messageCount(harness.nats.messageStream());
            harness.nats.management().deleteConsumer(harness.nats.messageStream(), durable(harness));
            createConsumer(harness, AckPolicy.All, Duration.ofSeconds(4));
            harness.nats.connection().publish(String.join(".", "$JS.ACK", harness.nats.messageStream(),
                    durable(harness), "1", Long.toString(applied), Long.toString(applied),
                    Long.toString(System.currentTimeMillis() * 1_000_000), "0"), "+ACK".getBytes(UTF_8));
            harness.nats.connection().flush(Duration.ofSeconds(5));
            boolean taken = true;
            try {
                Await.until("the server took the ack", Duration.ofSeconds(5), () -> ackFloor(harness) == applied);
            } catch (AssertionError e) {
                taken = false; // a server from 2.11 on ignores it
            }
            assumeTrue(taken, "this nats-server ignores an ack of a message it has not delivered");
            // from 2.9.15 on the server drops messages below the floor itself, and may do so before the ingest looks
            boolean strands = harness.nats.connection().getServerInfo().isOlderThanVersion("2.9.15");
            harness.publish(events.subList(2_000, events.size()));

            Metrics metrics = new Metrics();
            harness.startInProcess(metrics);
            harness.awaitCaughtUp(Duration.ofSeconds(120));
            assertEquals(harness.nats.messageCount(harness.nats.messageStream()), ackFloor(harness));
            Matcher recreated = Pattern.compile("omni_rollup_ingest_consumers_recreated_total\\{stream=\""
                    + harness.nats.messageStream() + "\"[^}]*} (\\d+)").matcher(metrics.scrape());
            assertTrue(recreated.find() && (!strands || Long.parseLong(recreated.group(1)) >= 1), metrics.scrape());
            new ReferenceCheck(harness.rollups).assertAllTimeMatches();
        }
    }

    /** The message consumer's ack floor (stream sequence), -1 while it cannot be read. */
    private static long ackFloor(IngestHarness harness) {
        try {
            return consumer(harness).getAckFloor().getStreamSequence();
        } catch (Exception e) {
            return -1;
        }
    }

    /** Runs an ingest until it caught up; checks the consumer's policy and every count; returns the consumer. */
    private static ConsumerInfo drainAndCheck(IngestHarness harness, AckPolicy policy) throws Exception {
        harness.startInProcess();
        harness.awaitCaughtUp(Duration.ofSeconds(120));
        ConsumerInfo info = consumer(harness);
        assertEquals(policy, info.getConsumerConfiguration().getAckPolicy());
        new ReferenceCheck(harness.rollups).assertAllTimeMatches();
        return info;
    }

    /** Publishes Omni traffic and writes its reference rows; the ingest's batches are of 200. */
    private static long publish(IngestHarness harness, long seed, int count) {
        List<OmniEvent> events = harness.traffic(seed, count);
        harness.persistReference(events);
        harness.set("ingest-batch-size", "200");
        return harness.publish(events);
    }

    private static String durable(IngestHarness harness) {
        return harness.config().get(StoreSettings.INGEST_CONSUMER);
    }

    private static ConsumerInfo consumer(IngestHarness harness) throws Exception {
        return harness.nats.management().getConsumerInfo(harness.nats.messageStream(), durable(harness));
    }

    /** The message stream's consumer as an earlier version, or another tool, would have made it. */
    private static void createConsumer(IngestHarness harness, AckPolicy policy, Duration ackWait) throws Exception {
        harness.nats.management().addOrUpdateConsumer(harness.nats.messageStream(), ConsumerConfiguration.builder()
                .durable(durable(harness))
                .filterSubject(harness.nats.prefix() + "message.>")
                .ackPolicy(policy)
                .ackWait(ackWait)
                .maxAckPending(40_000)
                .deliverPolicy(DeliverPolicy.All)
                .build());
    }

    /** Messages of either stream the exactly-once record holds as applied. */
    private static long appliedMessages(IngestHarness harness) {
        return harness.rollups.withConnection(c -> {
            try (var s = c.createStatement();
                 var rs = s.executeQuery("SELECT coalesce(sum(bit_count(bits)), 0) FROM rollup.applied_pages"
                         + " WHERE stream_key LIKE '" + harness.nats.messageStream() + "@%'")) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }
}
