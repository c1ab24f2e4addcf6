package dev.omnirollup.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omnirollup.store.Decoded.MessageEvent;
import dev.omnirollup.store.Decoded.QueueSnapshot;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which partition owns a message: every event of an external id one, spread evenly; the rest by sequence. */
class PartitioningTest {
    @Test
    void everyEventOfAnExternalIdBelongsToOnePartitionAndTheIdsSpreadEvenly() {
        int[] owners = new int[3];
        for (int id = 0; id < 30_000; id++) {
            String externalId = Integer.toString(id); // Telegram-style: small consecutive numbers
            int first = Partitioning.partitionOf(message(1, externalId), 3);
            for (long seq = 2; seq < 6; seq++) {
                assertEquals(first, Partitioning.partitionOf(message(seq, externalId), 3), externalId);
            }
            owners[first]++;
        }
        for (int count : owners) {
            assertTrue(count > 9_500 && count < 10_500, "about a third each: " + java.util.Arrays.toString(owners));
        }
    }

    @Test
    void eventsWithoutAnIdGoBySequenceAndQueueSnapshotsByInstance() {
        assertEquals(0, Partitioning.partitionOf(message(9, null), 3));
        assertEquals(1, Partitioning.partitionOf(message(10, null), 3));
        assertEquals(2, Partitioning.partitionOf(new Decoded.Ignored(11, "bare"), 3));
        int instance = Partitioning.partitionOf(new QueueSnapshot(1, 0, "instance-a", 1, 1), 3);
        assertEquals(instance, Partitioning.partitionOf(new QueueSnapshot(2, 0, "instance-a", 2, 2), 3));
        assertEquals(0, Partitioning.partitionOf(message(7, "any"), 1));
    }

    @Test
    void eachPartitionHasItsOwnLayerRecordAndProgressRowAndPartitionZeroKeepsTheUnpartitionedOnes() {
        StreamRef stream = new StreamRef("MESSAGE", Instant.parse("2026-01-01T00:00:00Z"));
        assertEquals(Layer.LIVE, new Partitioning(3, 0).layer());
        assertEquals(Layer.LIVE, Partitioning.WHOLE.layer());
        assertEquals(new Layer((short) 3), new Partitioning(3, 2).layer(), "code 1 is backfill's");
        assertEquals(stream.key(), new Partitioning(3, 0).pageKey(stream));
        assertEquals(stream.key() + "#2", new Partitioning(3, 2).pageKey(stream));
        assertEquals("MESSAGE", new Partitioning(3, 0).progressName("MESSAGE"));
        assertEquals("MESSAGE#1", new Partitioning(3, 1).progressName("MESSAGE"));
        assertThrows(IllegalArgumentException.class, () -> new Partitioning(17, 0));
        assertThrows(IllegalArgumentException.class, () -> new Partitioning(3, 3));
    }

    private static MessageEvent message(long seq, String externalId) {
        return new MessageEvent(seq, Decoded.MessageKind.RECEIVED, "e" + seq, 0, Optional.empty(), "discord",
                Optional.empty(), Optional.empty(), Optional.ofNullable(externalId));
    }
}
