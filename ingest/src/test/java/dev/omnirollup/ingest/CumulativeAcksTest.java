package dev.omnirollup.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class CumulativeAcksTest {
    /** A consumer and an exactly-once record, by hand: what the server and the database would answer. */
    private static final class World implements CumulativeAcks.Lookup {
        long serverFloor;
        long serverDelivery;
        final Set<Long> appliedElsewhere = new HashSet<>();
        final Set<Long> gone = new HashSet<>();
        int floorAsks;
        int appliedAsks;
        int streamAsks;

        @Override
        public CumulativeAcks.Floor serverFloor() {
            floorAsks++;
            return new CumulativeAcks.Floor(serverFloor, serverDelivery);
        }

        /** What the server does with an AckAll: takes it when both its sequences are above the floor's. */
        boolean take(String reply) {
            long seq = sequenceOf(reply);
            long delivery = CumulativeAcks.deliverySequence(reply);
            if (seq <= serverFloor || delivery <= serverDelivery) {
                return false;
            }
            serverFloor = seq;
            serverDelivery = delivery;
            return true;
        }

        @Override
        public BitSet applied(long from, long to) {
            appliedAsks++;
            BitSet bits = new BitSet();
            for (long seq : appliedElsewhere) {
                if (seq >= from && seq <= to) {
                    bits.set(Math.toIntExact(seq - from));
                }
            }
            return bits;
        }

        @Override
        public long nextPending(long seq) {
            streamAsks++;
            while (gone.contains(seq)) {
                seq++;
            }
            return seq;
        }
    }

    private static void commit(CumulativeAcks acks, long... sequences) {
        commit(acks, LongStream.of(sequences));
    }

    private static void commit(CumulativeAcks acks, LongStream sequences) {
        long[] seqs = sequences.toArray();
        String[] replies = new String[seqs.length];
        for (int i = 0; i < seqs.length; i++) {
            replies[i] = reply(seqs[i]);
        }
        acks.committed(seqs, replies);
    }

    /** Deliveries are counted as the server counts them: every delivery, a redelivery too, gets the next number. */
    private static long deliveries;

    private static String reply(long seq) {
        return reply(seq, ++deliveries);
    }

    private static String reply(long seq, long delivery) {
        return "$JS.ACK.S.C.1." + seq + "." + delivery + ".1764979200000000000.0";
    }

    private static long sequenceOf(String reply) {
        return Long.parseLong(reply.split("\\.")[5]);
    }

    @Test
    void contiguousBatchesAreAcknowledgedByTheirLastMessageWithoutAskingAnyone() {
        World world = new World();
        world.serverFloor = 100;
        CumulativeAcks acks = new CumulativeAcks();
        commit(acks, LongStream.rangeClosed(101, 120));
        assertEquals(120, sequenceOf(acks.ackPoint(world)));
        commit(acks, LongStream.rangeClosed(121, 150).map(seq -> 271 - seq)); // in any order
        assertEquals(150, sequenceOf(acks.ackPoint(world)));
        assertEquals(1, world.floorAsks, "the floor is asked once, at the start");
        assertEquals(0, world.appliedAsks + world.streamAsks);
        assertEquals(0, acks.waiting());
        assertNull(acks.ackPoint(world), "nothing new committed");
    }

    @Test
    void aMessageNotCommittedYetStopsTheAckBelowIt() {
        World world = new World();
        CumulativeAcks acks = new CumulativeAcks();
        commit(acks, 1, 2, 3, 5, 6); // 4 was delivered to another process, or redelivered and not applied yet
        assertEquals(3, sequenceOf(acks.ackPoint(world)));
        assertEquals(2, acks.waiting());
        assertEquals(1, world.streamAsks, "the stream is asked whether 4 is still there");
        commit(acks, 4);
        assertEquals(6, sequenceOf(acks.ackPoint(world)));
    }

    @Test
    void anAckGoesToADeliveryNewerThanTheLastAckTaken() {
        World world = new World();
        CumulativeAcks acks = new CumulativeAcks();
        acks.committed(new long[] {5, 6, 7}, new String[] {reply(5, 1), reply(6, 2), reply(7, 3)});
        assertNull(acks.ackPoint(world), "1 to 4 are pending elsewhere");
        acks.committed(new long[] {1, 2}, new String[] {reply(1, 10), reply(2, 11)}); // redelivered, then applied
        String first = acks.ackPoint(world);
        assertEquals(2, sequenceOf(first));
        assertTrue(world.take(first));
        acks.committed(new long[] {3, 4}, new String[] {reply(3, 12), reply(4, 13)});
        String ack = acks.ackPoint(world); // 7 is done, but its delivery (3) is older than the last ack's (11)
        assertEquals(4, sequenceOf(ack));
        assertTrue(world.take(ack));
        assertEquals(3, acks.waiting());
        assertNull(acks.ackPoint(world), "5 to 7 wait for their redelivery");
        acks.committed(new long[] {5, 6, 7}, new String[] {reply(5, 20), reply(6, 21), reply(7, 22)});
        ack = acks.ackPoint(world);
        assertEquals(7, sequenceOf(ack));
        assertTrue(world.take(ack));
        assertEquals(0, acks.waiting());
    }

    @Test
    void aMessageDeliveredAgainAfterItsAckReadsTheFloorAnew() {
        World world = new World();
        CumulativeAcks acks = new CumulativeAcks();
        assertFalse(acks.committed(new long[] {1, 2}, new String[] {reply(1, 1), reply(2, 2)}));
        String ack = acks.ackPoint(world);
        assertEquals(2, sequenceOf(ack));
        // the server did not take it (another process had acked a newer delivery): 1 and 2 come again
        world.serverDelivery = 50;
        assertTrue(acks.committed(new long[] {1, 2}, new String[] {reply(1, 51), reply(2, 52)}),
                "delivered again at or below the floor known");
        ack = acks.ackPoint(world);
        assertEquals(2, sequenceOf(ack));
        assertTrue(world.take(ack));
    }

    @Test
    void aConsumerHoldsMessagesAtOrBelowItsFloorWhenMorePendThanWereDeliveredAboveIt() {
        assertFalse(CumulativeAcks.stranded(100, 100, 0), "idle");
        assertFalse(CumulativeAcks.stranded(150, 100, 50), "everything above the floor pending");
        assertFalse(CumulativeAcks.stranded(150, 100, 10), "some above the floor pending");
        assertTrue(CumulativeAcks.stranded(150, 100, 51), "one more than the sequences above the floor");
        assertTrue(CumulativeAcks.stranded(4_025, 4_025, 252), "the stuck consumer of a restart");
        assertTrue(CumulativeAcks.stranded(914, 1_790, 914), "delivered below a floor an early ack moved");
    }

    @Test
    void sequencesAppliedByAnotherProcessOrGoneFromTheStreamDoNotStopIt() {
        World world = new World();
        world.appliedElsewhere.addAll(List.of(3L, 4L));
        world.gone.add(6L);
        CumulativeAcks acks = new CumulativeAcks();
        commit(acks, 1, 2, 5, 7, 8);
        assertEquals(8, sequenceOf(acks.ackPoint(world)));
        assertEquals(1, world.appliedAsks, "one read of the exactly-once record");
        assertEquals(1, world.streamAsks, "one read of the stream, for 6");
    }

    @Test
    void nothingIsAcknowledgedThatAnotherProcessAcknowledgedAlready() {
        World world = new World();
        world.serverFloor = 10;
        CumulativeAcks acks = new CumulativeAcks();
        commit(acks, 3, 4, 11, 12);
        assertEquals(12, sequenceOf(acks.ackPoint(world)));
        world.serverFloor = 40; // another process acknowledged past what this one commits next
        commit(acks, 20, 21);
        assertNull(acks.ackPoint(world));
        assertEquals(0, acks.waiting(), "what the server acknowledged is forgotten");
        commit(acks, 41, 42);
        assertEquals(42, sequenceOf(acks.ackPoint(world)));
    }

    @Test
    void aRunOfSequencesGoneFromTheStreamCostsOneRead() {
        World world = new World();
        for (long seq = 2; seq < 100; seq++) {
            world.gone.add(seq);
        }
        CumulativeAcks acks = new CumulativeAcks();
        commit(acks, 1, 100);
        assertEquals(100, sequenceOf(acks.ackPoint(world)));
        assertEquals(1, world.streamAsks);
    }

    @Test
    void theStreamIsAskedABoundedNumberOfTimesPerAck() {
        World world = new World();
        for (long seq = 2; seq < 100; seq++) { // gone and applied elsewhere in turn: a read for every other one
            (seq % 2 == 0 ? world.gone : world.appliedElsewhere).add(seq);
        }
        CumulativeAcks acks = new CumulativeAcks();
        commit(acks, 1, 100);
        assertEquals(1, sequenceOf(acks.ackPoint(world)));
        assertEquals(CumulativeAcks.MOST_STREAM_LOOKUPS, world.streamAsks);
        for (int round = 0; round < 10 && acks.waiting() > 0; round++) {
            acks.ackPoint(world);
        }
        assertEquals(0, acks.waiting(), "a few more acks get past the gap");
        assertEquals(49, world.streamAsks, "what a read found is not asked again");
    }

    /**
     * The property, against a server that takes an ack as JetStream does: whatever order batches commit in, whoever
     * else applies what, and whatever the server ignores, no ack ever covers a sequence nobody applied; and once
     * every message is done and NATS has redelivered what stays pending, everything is acknowledged.
     */
    @Test
    void anAckNeverCoversASequenceThatIsNotDone() {
        Random random = new Random(42);
        for (int trial = 0; trial < 300; trial++) {
            World world = new World();
            CumulativeAcks acks = new CumulativeAcks();
            int size = 50 + random.nextInt(200);
            List<Long> mine = new ArrayList<>();
            for (long seq = 1; seq <= size; seq++) {
                int fate = random.nextInt(20);
                if (fate == 0) {
                    world.appliedElsewhere.add(seq);
                } else if (fate == 1) {
                    world.gone.add(seq);
                } else {
                    mine.add(seq);
                }
            }
            java.util.Collections.shuffle(mine, random);
            TreeSet<Long> committed = new TreeSet<>();
            for (int i = 0; i < mine.size(); ) {
                List<Long> part = mine.subList(i, Math.min(mine.size(), i + 1 + random.nextInt(30)));
                committed.addAll(part);
                commit(acks, part.stream().mapToLong(Long::longValue));
                i += part.size();
                ackAndCheck(acks, world, committed, trial);
            }
            for (int round = 0; round < 40 && world.serverFloor < size; round++) {
                // NATS delivers again what is still pending: every sequence above the floor this worker applied
                commit(acks, committed.tailSet(world.serverFloor, false).stream().mapToLong(Long::longValue));
                ackAndCheck(acks, world, committed, trial);
            }
            long last = committed.isEmpty() ? 0 : committed.last();
            assertTrue(world.serverFloor >= last, "trial " + trial + ": acknowledged to " + world.serverFloor
                    + " of " + last);
        }
    }

    private static void ackAndCheck(CumulativeAcks acks, World world, TreeSet<Long> committed, int trial) {
        String reply = acks.ackPoint(world);
        if (reply != null && world.take(reply)) {
            for (long seq = 1; seq <= world.serverFloor; seq++) {
                assertTrue(committed.contains(seq) || world.appliedElsewhere.contains(seq) || world.gone.contains(seq),
                        "trial " + trial + ": ack at " + world.serverFloor + " covers " + seq);
            }
        }
    }
}
