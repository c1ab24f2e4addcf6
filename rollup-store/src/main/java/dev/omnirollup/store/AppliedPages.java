package dev.omnirollup.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The exactly-once record: a bit per stream sequence, 1024 to a page, in {@code applied_pages}. Locking the pages
 * a batch touches (in page order) serialises workers that got the same messages, so a message is applied by
 * whichever commits first and skipped by the rest. Runs inside the caller's transaction.
 */
final class AppliedPages {
    static final int PAGE_BITS = 1024;
    private static final byte[] EMPTY_PAGE = new byte[PAGE_BITS / 8];

    private final RollupDatabase database;

    AppliedPages(RollupDatabase database) {
        this.database = database;
    }

    /** Locks the pages of these sequences and returns the ones already applied. */
    Claim claim(Connection c, String streamKey, List<Long> sequences) throws SQLException {
        TreeMap<Long, BitSet> pages = new TreeMap<>();
        for (long seq : sequences) {
            pages.putIfAbsent(seq / PAGE_BITS, null);
        }
        Long[] pageNumbers = pages.keySet().toArray(new Long[0]);
        String sql = "INSERT INTO " + database.rollup("applied_pages") + " AS t (stream_key, page, bits) "
                + "SELECT ?, p, ? FROM unnest(?::bigint[]) AS p "
                + "ON CONFLICT (stream_key, page) DO UPDATE SET bits = t.bits RETURNING page, bits";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, streamKey);
            ps.setBytes(2, EMPTY_PAGE);
            ps.setArray(3, c.createArrayOf("int8", pageNumbers));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    pages.put(rs.getLong(1), BitSet.valueOf(rs.getBytes(2)));
                }
            }
        }
        return new Claim(streamKey, pages);
    }

    /** Marks the sequences applied; call before commit. */
    void markApplied(Connection c, Claim claim, List<Long> sequences) throws SQLException {
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
        String sql = "UPDATE " + database.rollup("applied_pages") + " AS t SET bits = u.bits "
                + "FROM unnest(?::bigint[], ?::bytea[]) AS u(page, bits) WHERE t.stream_key = ? AND t.page = u.page";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setArray(1, c.createArrayOf("int8", numbers.toArray(new Long[0])));
            ps.setArray(2, c.createArrayOf("bytea", bits.toArray(new byte[0][])));
            ps.setString(3, claim.streamKey);
            ps.executeUpdate();
        }
    }

    /** Deletes pages wholly below {@code firstSeq}: those messages left the stream and cannot come again. */
    int prune(Connection c, String streamKey, long firstSeq) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + database.rollup("applied_pages")
                + " WHERE stream_key = ? AND page < ?")) {
            ps.setString(1, streamKey);
            ps.setLong(2, firstSeq / PAGE_BITS);
            return ps.executeUpdate();
        }
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
