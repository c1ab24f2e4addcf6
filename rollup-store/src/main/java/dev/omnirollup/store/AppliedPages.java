package dev.omnirollup.store;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jdbi.v3.core.Handle;

/**
 * The exactly-once record: a bit per stream sequence, 1024 to a page, in {@code applied_pages}, one record per ingest
 * partition ({@link Partitioning#pageKey}). Locking the pages of its own record that a batch touches (in page order)
 * serialises workers of the same partition that got the same messages, so a message is applied by whichever commits
 * first and skipped by the rest. The records of the other partitions are read too, without a lock: a message
 * another partition applied — before the number of partitions changed — is not applied again. Runs inside the
 * caller's transaction.
 */
final class AppliedPages {
    static final int PAGE_BITS = 1024;
    private static final byte[] EMPTY_PAGE = new byte[PAGE_BITS / 8];
    private static final String CLAIM = """
            WITH claimed AS (
                INSERT INTO <rollup>.applied_pages AS t (stream_key, page, bits)
                SELECT :stream, p, :empty FROM unnest(:pages::int8[]) AS p
                ON CONFLICT (stream_key, page) DO UPDATE SET bits = t.bits RETURNING page, bits)
            SELECT true, page, bits FROM claimed
            UNION ALL
            SELECT false, page, bits FROM <rollup>.applied_pages
             WHERE stream_key = ANY(:others::text[]) AND page = ANY(:pages::int8[])
            """;
    private static final String MARK = """
            UPDATE <rollup>.applied_pages AS t SET bits = u.bits
              FROM unnest(:pages::int8[], :bits::bytea[]) AS u(page, bits)
             WHERE t.stream_key = :stream AND t.page = u.page
            """;
    private static final String READ = """
            SELECT page, bits FROM <rollup>.applied_pages
             WHERE stream_key = ANY(:streams::text[]) AND page BETWEEN :first AND :last
            """;
    private static final String PRUNE = """
            DELETE FROM <rollup>.applied_pages WHERE stream_key = ANY(:streams::text[]) AND page < :page
            """;

    /**
     * Locks this partition's pages of these sequences and returns the sequences already applied, by this partition
     * or another.
     */
    Claim claim(Handle handle, StreamRef stream, Partitioning partition, List<Long> sequences) {
        TreeMap<Long, BitSet> pages = new TreeMap<>();
        for (long seq : sequences) {
            pages.putIfAbsent(seq / PAGE_BITS, null);
        }
        Map<Long, BitSet> elsewhere = new HashMap<>();
        List<String> others = new ArrayList<>(allKeys(stream));
        others.remove(partition.pageKey(stream));
        handle.createQuery(CLAIM).bind("stream", partition.pageKey(stream)).bind("empty", EMPTY_PAGE)
                .bindByType("pages", pages.keySet(), SqlArrays.LONGS)
                .bindByType("others", others, SqlArrays.STRINGS)
                .map((rs, ctx) -> {
                    BitSet bits = BitSet.valueOf(rs.getBytes(3));
                    if (rs.getBoolean(1)) {
                        pages.put(rs.getLong(2), bits);
                    } else {
                        elsewhere.merge(rs.getLong(2), bits, (a, b) -> {
                            a.or(b);
                            return a;
                        });
                    }
                    return 0;
                })
                .list();
        return new Claim(partition.pageKey(stream), pages, elsewhere);
    }

    /** Marks the sequences applied; call before commit. */
    void markApplied(Handle handle, Claim claim, List<Long> sequences) {
        if (sequences.isEmpty()) {
            return;
        }
        for (long seq : sequences) {
            claim.pages.get(seq / PAGE_BITS).set((int) (seq % PAGE_BITS));
        }
        List<Long> numbers = new ArrayList<>();
        List<byte[]> bits = new ArrayList<>();
        for (Map.Entry<Long, BitSet> page : claim.pages.entrySet()) {
            numbers.add(page.getKey());
            byte[] bytes = new byte[PAGE_BITS / 8];
            byte[] set = page.getValue().toByteArray();
            System.arraycopy(set, 0, bytes, 0, set.length);
            bits.add(bytes);
        }
        handle.createUpdate(MARK).bindByType("pages", numbers, SqlArrays.LONGS)
                .bind("bits", RollupDatabase.byteaArray(bits)).bind("stream", claim.streamKey).execute();
    }

    /**
     * Which of the sequences {@code from} to {@code to} any partition applied (bit i: sequence from + i), read
     * without a lock.
     */
    BitSet applied(Handle handle, StreamRef stream, long from, long to) {
        BitSet applied = new BitSet();
        if (to < from) {
            return applied;
        }
        handle.createQuery(READ).bindByType("streams", allKeys(stream), SqlArrays.STRINGS)
                .bind("first", from / PAGE_BITS).bind("last", to / PAGE_BITS)
                .map((rs, ctx) -> {
                    long base = rs.getLong(1) * PAGE_BITS;
                    BitSet bits = BitSet.valueOf(rs.getBytes(2));
                    for (int bit = bits.nextSetBit(0); bit >= 0; bit = bits.nextSetBit(bit + 1)) {
                        long seq = base + bit;
                        if (seq >= from && seq <= to) {
                            applied.set(Math.toIntExact(seq - from));
                        }
                    }
                    return 0;
                })
                .list();
        return applied;
    }

    /**
     * Deletes the pages of every partition wholly below {@code firstSeq}: those messages left the stream and cannot
     * come again.
     */
    int prune(Handle handle, StreamRef stream, long firstSeq) {
        return handle.createUpdate(PRUNE).bindByType("streams", allKeys(stream), SqlArrays.STRINGS)
                .bind("page", firstSeq / PAGE_BITS).execute();
    }

    /** The keys of the records of every partition the stream may have been cut into. */
    private static List<String> allKeys(StreamRef stream) {
        List<String> keys = new ArrayList<>(Partitioning.MAX_PARTITIONS);
        for (int p = 0; p < Partitioning.MAX_PARTITIONS; p++) {
            keys.add(Partitioning.pageKey(stream, p));
        }
        return keys;
    }

    /** The pages a batch holds locked, with their bits as read. */
    static final class Claim {
        private final String streamKey;
        private final TreeMap<Long, BitSet> pages;
        private final Map<Long, BitSet> elsewhere;

        private Claim(String streamKey, TreeMap<Long, BitSet> pages, Map<Long, BitSet> elsewhere) {
            this.streamKey = streamKey;
            this.pages = pages;
            this.elsewhere = elsewhere;
        }

        boolean isApplied(long seq) {
            return isSet(pages.get(seq / PAGE_BITS), seq) || isSet(elsewhere.get(seq / PAGE_BITS), seq);
        }

        private static boolean isSet(BitSet page, long seq) {
            return page != null && page.get((int) (seq % PAGE_BITS));
        }
    }
}
