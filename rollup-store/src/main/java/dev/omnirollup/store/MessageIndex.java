package dev.omnirollup.store;

import dev.omnirollup.store.ExternalIdState.SeedRow;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The external-id index in PostgreSQL ({@code message_index}, {@code seed_rows}, {@code seed_override}). Every
 * method runs inside the caller's transaction.
 */
final class MessageIndex {
    private final RollupDatabase database;

    MessageIndex(RollupDatabase database) {
        this.database = database;
    }

    /** A locked index row. */
    record Locked(ExternalIdState state, boolean hasSeeds) {
    }

    /**
     * Locks the index rows of these external ids, creating empty ones for ids never seen, and returns them. Ids
     * are locked in sorted order, so concurrent batches cannot deadlock on them.
     */
    Map<String, Locked> lock(Connection c, Collection<String> externalIds, long nowSecond) throws SQLException {
        Map<String, Locked> locked = new HashMap<>();
        if (externalIds.isEmpty()) {
            return locked;
        }
        String[] ids = externalIds.stream().distinct().sorted().toArray(String[]::new);
        String sql = "INSERT INTO " + database.rollup("message_index") + " AS t (external_id, state, touched_at) "
                + "SELECT id, ''::bytea, ? FROM unnest(?::text[]) AS id "
                + "ON CONFLICT (external_id) DO UPDATE SET touched_at = GREATEST(t.touched_at, excluded.touched_at) "
                + "RETURNING external_id, state, has_seeds";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, nowSecond);
            ps.setArray(2, c.createArrayOf("text", ids));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    locked.put(rs.getString(1), new Locked(ExternalIdState.decode(rs.getBytes(2)), rs.getBoolean(3)));
                }
            }
        }
        return locked;
    }

    /** Locks the index rows that backfill seeding left dirty (seeds changed after live events were applied). */
    Map<String, Locked> lockDirty(Connection c, int limit) throws SQLException {
        Map<String, Locked> locked = new HashMap<>();
        String sql = "SELECT external_id, state, has_seeds FROM " + database.rollup("message_index")
                + " WHERE dirty ORDER BY external_id LIMIT ? FOR UPDATE";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setInt(1, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    locked.put(rs.getString(1), new Locked(ExternalIdState.decode(rs.getBytes(2)), rs.getBoolean(3)));
                }
            }
        }
        return locked;
    }

    /** The current seed rows of these external ids, each list ordered by row id. */
    Map<String, List<SeedRow>> seeds(Connection c, Collection<String> externalIds) throws SQLException {
        Map<String, List<SeedRow>> seeds = new HashMap<>();
        if (externalIds.isEmpty()) {
            return seeds;
        }
        String sql = "SELECT external_id, row_id, minute, instance_id, status FROM " + database.rollup("seed_rows")
                + " WHERE external_id = ANY(?::text[])";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setArray(1, c.createArrayOf("text", externalIds.toArray(new String[0])));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    seeds.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(new SeedRow(
                            rs.getObject(2, UUID.class), rs.getLong(3), rs.getObject(4, UUID.class), rs.getString(5)));
                }
            }
        }
        seeds.values().forEach(list -> list.sort(Comparator.comparing(SeedRow::rowId)));
        return seeds;
    }

    /** Stores new states (the rows are locked by this transaction) and clears their dirty flags. */
    void save(Connection c, Map<String, ExternalIdState> states) throws SQLException {
        if (states.isEmpty()) {
            return;
        }
        String[] ids = new String[states.size()];
        byte[][] blobs = new byte[states.size()][];
        int i = 0;
        for (Map.Entry<String, ExternalIdState> entry : states.entrySet()) {
            ids[i] = entry.getKey();
            blobs[i++] = entry.getValue().encode();
        }
        String sql = "UPDATE " + database.rollup("message_index") + " AS t SET state = u.state, dirty = false "
                + "FROM unnest(?::text[], ?::bytea[]) AS u(external_id, state) WHERE t.external_id = u.external_id";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setArray(1, c.createArrayOf("text", ids));
            ps.setArray(2, c.createArrayOf("bytea", blobs));
            ps.executeUpdate();
        }
    }

    void saveOverrides(Connection c, Map<UUID, String> upsert, Set<UUID> delete) throws SQLException {
        if (!delete.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + database.rollup("seed_override")
                    + " WHERE row_id = ANY(?::uuid[])")) {
                ps.setArray(1, c.createArrayOf("uuid", delete.stream().sorted().toArray(UUID[]::new)));
                ps.executeUpdate();
            }
        }
        if (!upsert.isEmpty()) {
            UUID[] rows = upsert.keySet().stream().sorted().toArray(UUID[]::new);
            String[] statuses = new String[rows.length];
            for (int i = 0; i < rows.length; i++) {
                statuses[i] = upsert.get(rows[i]);
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + database.rollup("seed_override")
                    + " AS t (row_id, status) SELECT * FROM unnest(?::uuid[], ?::text[]) "
                    + "ON CONFLICT (row_id) DO UPDATE SET status = excluded.status")) {
                ps.setArray(1, c.createArrayOf("uuid", rows));
                ps.setArray(2, c.createArrayOf("text", statuses));
                ps.executeUpdate();
            }
        }
    }

    /** Deletes index entries (and, by cascade, their seed rows) untouched since {@code beforeSecond}. */
    int prune(Connection c, long beforeSecond, int limit) throws SQLException {
        String sql = "DELETE FROM " + database.rollup("message_index") + " WHERE external_id IN (SELECT external_id FROM "
                + database.rollup("message_index") + " WHERE touched_at < ? ORDER BY touched_at LIMIT ?) AND touched_at < ?";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, beforeSecond);
            ps.setInt(2, limit);
            ps.setLong(3, beforeSecond);
            return ps.executeUpdate();
        }
    }
}
