package dev.omnirollup.ingest;

import java.util.BitSet;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where a cumulative acknowledgement may go, on a consumer whose ack policy is JetStream's {@code AckAll}: the
 * server takes an ack of the message at stream sequence S for every message at or below S that the consumer still
 * holds pending, whichever process it was delivered to. So the ack goes only as far as every sequence above the
 * consumer's ack floor is <em>done</em>: committed by this worker (applied, found applied before, or set aside), or,
 * for a sequence this worker never committed, applied by another process (the exactly-once record says so), or no
 * longer a message the consumer can hold (gone from the stream, or outside the consumer's filter). A sequence this
 * worker cannot account for — one delivered to another process, or to one that died, and not committed yet — stops
 * it there until a commit of it (NATS redelivers it after the ack wait) lets it pass.
 *
 * <p>The server also ignores an ack whose delivery sequence (the consumer's count of deliveries, in the reply
 * subject) is not above that of the last ack it took: after a redelivered message was acked, a message first
 * delivered before it can no longer carry an ack. So the ack goes to the highest done message whose delivery is newer
 * than the last ack known; those above it wait for NATS to deliver them again (the ack wait), which they are, being
 * still pending. Should an ack this worker counted on not have been taken all the same (another process acked a
 * newer delivery meanwhile), the message comes again: a sequence at or below the floor delivered again makes the
 * floor be read from the server anew.
 *
 * <p>One ack per batch instead of one per message takes about a third of the NATS server's work per message away
 * (finding I14 in docs/benchmarks.md). Held by the applier thread alone; mutable by nature, small by design.
 */
final class CumulativeAcks {
    /** The consumer's ack floor: the highest stream sequence acknowledged, and the delivery that carried the ack. */
    record Floor(long stream, long delivery) {
    }

    /** What the worker cannot see itself; each method may go to the server or the database. */
    interface Lookup {
        /** The consumer's ack floor on the server: every sequence at or below it is acknowledged. */
        Floor serverFloor();

        /** Which of the sequences {@code from} to {@code to} the exactly-once record holds (bit i: from + i). */
        BitSet applied(long from, long to);

        /**
         * The first sequence at or after {@code seq} holding a message the consumer can have pending (in the stream
         * and matching its filter), {@link Long#MAX_VALUE} when there is none: the sequences before it are gone or
         * outside the filter.
         */
        long nextPending(long seq);
    }

    /** Requests to the stream, at most, per ack point (each answers for a run of sequences it holds no message at). */
    static final int MOST_STREAM_LOOKUPS = 32;

    /** Every sequence at or below is acknowledged on the server (as far as this worker knows); -1: to be read. */
    private long floor = -1;
    /** The delivery sequence of the last ack the server took, as far as this worker knows. */
    private long ackedDelivery;
    /** Every sequence at or below is done (at least the floor): what the lookups found is not asked again. */
    private long doneThrough = -1;
    /** Committed by this worker and not yet covered by an ack: sequence to reply subject (the newest delivery's). */
    private final TreeMap<Long, String> committed = new TreeMap<>();

    /**
     * Records messages this worker committed: their stream sequences and reply subjects, in any order. True when one
     * was at or below the floor known: delivered again after an ack counted on was not taken, or crossed this
     * delivery — or held by a server that can no longer let it go ({@link #stranded}).
     */
    boolean committed(long[] sequences, String[] replies) {
        boolean again = false;
        for (long seq : sequences) {
            if (floor >= 0 && seq <= floor) {
                floor = -1; // read from the server again
                again = true;
                break;
            }
        }
        for (int i = 0; i < sequences.length; i++) {
            if (sequences[i] > floor) {
                committed.put(sequences[i], replies[i]);
            }
        }
        return again;
    }

    /**
     * Whether a consumer holds messages pending at or below its ack floor, by what its info says: more messages
     * pending than sequences between the floor and the last delivered one. An ack at or below the floor does nothing
     * on an AckAll consumer, so the server redelivers them every ack wait for ever unless it drops them itself, as
     * nats-server does from 2.9.15 on. An older one comes to hold them when an ack reaches it before the delivery of
     * the message acked (after a restart: an ack sent before it for a delivery it had not stored yet) — the ack floor
     * goes above messages it then delivers (finding I17 in docs/benchmarks.md).
     */
    static boolean stranded(long deliveredStream, long ackFloorStream, long ackPending) {
        return ackPending > Math.max(0, deliveredStream - ackFloorStream);
    }

    /** How many committed messages wait for an ack. */
    int waiting() {
        return committed.size();
    }

    /**
     * The reply subject to acknowledge now, or null when no committed message can be: the committed message with
     * the highest sequence at or below which everything is done, whose delivery is newer than the last ack's. The
     * floor moves to it.
     */
    String ackPoint(Lookup lookup) {
        if (committed.isEmpty()) {
            return null;
        }
        if (floor < 0) {
            Floor server = lookup.serverFloor();
            ackedDelivery = Math.max(ackedDelivery, server.delivery());
            raiseFloor(server.stream());
        }
        long end = Math.max(floor, doneThrough); // everything at or below is done
        long server = -1; // the server's floor, once asked
        BitSet applied = null;
        long appliedFrom = 0;
        int streamLookups = 0;
        walk:
        for (long seq : committed.tailMap(end, false).keySet()) {
            while (end + 1 < seq) { // a gap: sequences this worker did not commit
                if (server < 0) {
                    Floor now = lookup.serverFloor(); // another process may have acknowledged past it
                    server = now.stream();
                    ackedDelivery = Math.max(ackedDelivery, now.delivery());
                    end = Math.max(end, Math.min(server, seq - 1));
                    continue;
                }
                long gap = end + 1;
                if (applied == null) {
                    appliedFrom = gap;
                    applied = lookup.applied(appliedFrom, committed.lastKey());
                }
                if (applied.get(Math.toIntExact(gap - appliedFrom))) {
                    end = gap;
                    continue;
                }
                long next = streamLookups++ < MOST_STREAM_LOOKUPS ? lookup.nextPending(gap) : gap;
                if (next == gap) {
                    break walk; // a message there that nobody applied yet
                }
                end = Math.min(next - 1, seq - 1);
            }
            end = seq;
        }
        doneThrough = end; // done stays done: applied, gone or outside the filter for good
        long covered = Math.max(floor, server);
        for (Map.Entry<Long, String> target = committed.floorEntry(end);
             target != null && target.getKey() > covered; target = committed.lowerEntry(target.getKey())) {
            long delivery = deliverySequence(target.getValue());
            if (delivery < 0 || delivery > ackedDelivery) {
                ackedDelivery = Math.max(ackedDelivery, delivery);
                raiseFloor(target.getKey());
                return target.getValue();
            }
        }
        raiseFloor(server);
        return null;
    }

    /**
     * The delivery sequence in a JetStream reply subject ({@code $JS.ACK.<stream>.<consumer>.<delivered>.<stream
     * seq>.<delivery seq>.<time>.<pending>}, or the form with a domain and an account hash after {@code ACK}), -1
     * when it has another form.
     */
    static long deliverySequence(String reply) {
        String[] tokens = reply.split("\\.");
        int at = tokens.length == 9 ? 6 : tokens.length >= 11 ? 8 : -1;
        if (at < 0 || !tokens[0].equals("$JS") || !tokens[1].equals("ACK")) {
            return -1;
        }
        try {
            return Long.parseLong(tokens[at]);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Forgets what is at or below a floor the server has (everything there is acknowledged). */
    private void raiseFloor(long to) {
        if (to > floor) {
            floor = to;
            committed.headMap(to, true).clear();
        }
    }
}
