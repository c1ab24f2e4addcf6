package dev.omnirollup.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omnirollup.sim.OmniEvent;
import dev.omnirollup.store.ReferenceCheck;
import dev.omnirollup.store.StoreSettings;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** However often NATS delivers a message, its effect on the counters is applied once. */
class ExactlyOnceTest {
    @Test
    void aProcessKilledBetweenCommitAndAckLosesAndDoublesNothing() throws Exception {
        try (IngestHarness harness = new IngestHarness()) {
            List<OmniEvent> events = harness.traffic(31, 4_000);
            harness.persistReference(events);
            harness.publish(events);
            for (int crash = 0; crash < 3; crash++) {
                Process doomed = harness.startProcess("-Domnirollup.crashAfterCommit=" + (2 + crash));
                assertTrue(doomed.waitFor(180, TimeUnit.SECONDS), "the crash hook halts the process");
                assertEquals(137, doomed.exitValue(), "halted right after a commit, before its acks");
            }
            harness.startProcess();
            harness.awaitCaughtUp(Duration.ofSeconds(240));
            long deliveries = harness.nats.management().getConsumerInfo(harness.nats.messageStream(), "omni-rollup")
                    .getDelivered().getConsumerSequence();
            assertTrue(deliveries > harness.nats.messageCount(harness.nats.messageStream()),
                    "committed but unacked batches were delivered again (" + deliveries + " deliveries)");
            new ReferenceCheck(harness.rollups).assertAllTimeMatches();
        }
    }

    @Test
    void threeProcessesOnOneConsumerCountEveryEventOnce() {
        try (IngestHarness harness = new IngestHarness()) {
            List<OmniEvent> events = harness.traffic(32, 8_000);
            harness.persistReference(events);
            harness.set("ingest-batch-size", "100");
            harness.startProcess();
            harness.startProcess();
            harness.startProcess();
            harness.publish(events);
            harness.awaitCaughtUp(Duration.ofSeconds(240));
            new ReferenceCheck(harness.rollups).assertAllTimeMatches();
        }
    }

    @Test
    void aConsumerDeletedAndRecreatedToReplayTheStreamChangesNothing() throws Exception {
        try (IngestHarness harness = new IngestHarness()) {
            List<OmniEvent> events = harness.traffic(33, 3_000);
            harness.persistReference(events);
            harness.publish(events);
            IngestDaemon first = harness.startInProcess();
            harness.awaitCaughtUp(Duration.ofSeconds(240));
            first.close();
            ReferenceCheck check = new ReferenceCheck(harness.rollups);
            check.assertAllTimeMatches();

            String consumer = harness.config().get(StoreSettings.INGEST_CONSUMER);
            for (String stream : List.of(harness.nats.messageStream(), harness.nats.automationStream())) {
                harness.nats.management().deleteConsumer(stream, consumer);
                harness.nats.management().addOrUpdateConsumer(stream, ConsumerConfiguration.builder()
                        .durable(consumer)
                        .filterSubject(harness.nats.prefix() + (stream.startsWith("MESSAGE") ? "message.>" : "automation.>"))
                        .ackPolicy(AckPolicy.Explicit)
                        .deliverPolicy(DeliverPolicy.All)
                        .build());
            }
            harness.startInProcess();
            harness.awaitCaughtUp(Duration.ofSeconds(240));
            assertTrue(harness.nats.management().getConsumerInfo(harness.nats.messageStream(), consumer)
                    .getDelivered().getConsumerSequence() >= harness.nats.messageCount(harness.nats.messageStream()),
                    "the new consumer delivered the whole stream again");
            check.assertAllTimeMatches();
        }
    }
}
