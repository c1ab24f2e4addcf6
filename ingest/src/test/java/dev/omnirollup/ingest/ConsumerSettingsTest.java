package dev.omnirollup.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omnirollup.store.StoreSettings;
import org.junit.jupiter.api.Test;

/**
 * The durable consumer outlives the ingest that created it. A larger {@code ingest-max-ack-pending} must reach it,
 * or, where the server refuses to update a consumer that starts at a time (nats-server before 2.10.12, as this
 * machine's 2.9.10), the batches must fit twice into the old limit: else the next batch could not be fetched while
 * one commits.
 */
class ConsumerSettingsTest {
    @Test
    void aLargerMaxAckPendingReachesTheExistingConsumerOrCutsTheBatches() throws Exception {
        try (IngestHarness harness = new IngestHarness()) {
            harness.set("ingest-batch-size", "250").set("ingest-max-ack-pending", "300");
            try (IngestDaemon first = harness.startInProcess()) {
                assertEquals(300, maxAckPending(harness));
                assertEquals(150, first.batchSize(harness.nats.messageStream()), "half the consumer's limit");
            }
            harness.set("ingest-max-ack-pending", "700");
            try (IngestDaemon second = harness.startInProcess()) {
                long limit = maxAckPending(harness);
                assertTrue(limit == 700 || limit == 300, "updated, or refused by the server: " + limit);
                assertEquals(limit == 700 ? 250 : 150, second.batchSize(harness.nats.messageStream()));
            }
        }
    }

    private static long maxAckPending(IngestHarness harness) throws Exception {
        return harness.nats.management().getConsumerInfo(harness.nats.messageStream(),
                harness.config().get(StoreSettings.INGEST_CONSUMER)).getConsumerConfiguration().getMaxAckPending();
    }
}
