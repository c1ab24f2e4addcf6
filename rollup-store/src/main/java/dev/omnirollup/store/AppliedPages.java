package dev.omnirollup.store;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jdbi.v3.core.Handle;

/**
 * The exactly-once record: a bit per stream sequence, 1024 to a page, in {@code applied_pages}. Locking the pages
 * a batch touches (in page order) serialises workers that got the same messages, so a message is applied by
 * whichever commits first and skipped by the rest. Runs inside the caller's transaction.
 */
final class AppliedPages {
    static final int PAGE_BITS = 1024;
    private static final byte[] EMPTY_PAGE = new byte[PAGE_BITS / 8];
    private static final String CLAIM = """
            INSERT INTO <rollup>.applied_pages AS t (stream_key, page, bits)
            SELECT :stream, p, :empty FROM unnest(:pages::int8[]) AS p
            ON CONFLICT (stream_key, page) DO UPDATE SET bits = t.bits RETURNING page, bits
            """;
    private static final String MARK = """
            UPDATE <rollup>.applied_pages AS t SET bits = u.bits
              FROM unnest(:pages::int8[], :bits::bytea[]) AS u(page, bits)
             WHERE t.stream_key = :stream AND t.page = u.page
            """;
    private static final String PRUNE = "DELETE FROM <rollup>.applied_pages WHERE stream_key = :stream AND page < :page";

    /** Locks the pages of these sequences and returns the ones already applied. */
    Claim claim(Handle handle, String streamKey, List<Long> sequences) {
        TreeMap<Long, BitSet> pages = new TreeMap<>();
        for (long seq : sequences) {
            pages.putIfAbsent(seq / PAGE_BITS, null);
        }
        handle.createQuery(CLAIM).bind("stream", streamKey).bind("empty", EMPTY_PAGE)
                .bindByType("pages", pages.keySet(), SqlArrays.LONGS)
                .map((rs, ctx) -> Map.entry(rs.getLong(1), BitSet.valueOf(rs.getBytes(2))))
                .forEach(page -> pages.put(page.getKey(), page.getValue()));
        return new Claim(streamKey, pages);
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

    /** Deletes pages wholly below {@code firstSeq}: those messages left the stream and cannot come again. */
    int prune(Handle handle, String streamKey, long firstSeq) {
        return handle.createUpdate(PRUNE).bind("stream", streamKey).bind("page", firstSeq / PAGE_BITS).execute();
    }

    /** The pages a batch holds locked, with their bits as read. */
    static final class Claim {
        private final String streamKey;
        private final TreeMap<Long, BitSet> pages;

        private Claim(String streamKey, TreeMap<Long, BitSet> pages) {
            this.streamKey = streamKey;
            this.pages = pages;
        }

        boolean isApplied(long seq) {
            BitSet page = pages.get(seq / PAGE_BITS);
            return page != null && page.get((int) (seq % PAGE_BITS));
        }
    }
}
