package dev.omnirollup.store;

/**
 * Which messages of a stream one ingest partition applies. A message event goes to the partition of its external id,
 * so that every event of an id — and with it the id's index row — is folded by one partition only; a queue snapshot
 * to its instance's; anything else to its stream sequence's. Each partition keeps its own exactly-once record, its
 * own progress row and its own live layer of the rollups (reads sum the layers), so the workers of different
 * partitions never wait for each other's row locks. Pure.
 *
 * @param count how many partitions the stream is cut into, {@code 1 <= count <= MAX_PARTITIONS}
 * @param index this partition, {@code 0 <= index < count}
 */
public record Partitioning(int count, int index) {
    /** The most partitions (each one is a live layer of the rollups, read by every read). */
    public static final int MAX_PARTITIONS = 16;
    /** An unpartitioned ingest: one partition that applies everything. */
    public static final Partitioning WHOLE = new Partitioning(1, 0);

    public Partitioning {
        if (count < 1 || count > MAX_PARTITIONS) {
            throw new IllegalArgumentException("partitions must be 1 to " + MAX_PARTITIONS + ", not " + count);
        }
        if (index < 0 || index >= count) {
            throw new IllegalArgumentException("partition " + index + " of " + count);
        }
    }

    /** Whether this partition applies the message. */
    public boolean owns(Decoded event) {
        return count == 1 || partitionOf(event, count) == index;
    }

    /** The live layer this partition writes. */
    Layer layer() {
        return Layer.live(index);
    }

    /** The key of this partition's exactly-once record of the stream (partition 0 keeps the stream's own key). */
    String pageKey(StreamRef stream) {
        return pageKey(stream, index);
    }

    static String pageKey(StreamRef stream, int partition) {
        return named(stream.key(), partition);
    }

    /** The name of this partition's row in {@code ingest_progress} (partition 0 keeps the stream's name). */
    String progressName(String stream) {
        return named(stream, index);
    }

    /**
     * What a partition's own thing is called (record, progress row, lease lock): the unpartitioned name for partition
     * 0, so that an ingest cut into one partition keeps what it had, and {@code name#p} for the others.
     */
    public static String named(String name, int partition) {
        return partition == 0 ? name : name + "#" + partition;
    }

    /** The partition of a message when the stream is cut into {@code count}. */
    static int partitionOf(Decoded event, int count) {
        String key = switch (event) {
            case Decoded.MessageEvent message -> message.externalId().orElse(null);
            case Decoded.QueueSnapshot snapshot -> snapshot.instanceKey();
            default -> null;
        };
        if (key == null) {
            return (int) Math.floorMod(event.streamSeq(), (long) count);
        }
        int h = key.hashCode() * 0x9E3779B9; // String.hashCode is fixed by the language; this spreads its low bits
        return Math.floorMod(h ^ (h >>> 16), count);
    }
}
