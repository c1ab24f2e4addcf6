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
 * The external-id index in PostgreSQL ({@code message_index}) and the lookup of Omni's older rows in
 * {@code omni_events} with the status the backfill layer counts them with ({@code seed_status}, see
 * {@link SeedPins}). Every method runs inside the caller's transaction.
 */
final class MessageIndex {
    private final RollupDatabase database;

    MessageIndex(RollupDatabase database) {
        this.database = database;
    }

    /** Locks the index rows of those of these external ids that exist (in sorted order) and returns them. */
    Map<String, ExternalIdState> lockExisting(Connection c, Collection<String> externalIds) throws SQLException {
        Map<String, ExternalIdState> locked = new HashMap<>();
        if (externalIds.isEmpty()) {
            return locked;
        }
        String[] ids = externalIds.stream().distinct().sorted().toArray(String[]::new);
        String sql = "SELECT external_id, state FROM " + database.rollup("message_index")
                + " WHERE external_id = ANY(?::text[]) ORDER BY external_id FOR UPDATE";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setArray(1, c.createArrayOf("text", ids));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    locked.put(rs.getString(1), ExternalIdState.decode(rs.getBytes(2)));
                }
            }
        }
        return locked;
    }

    /**
     * Writes new states in one statement: ids this batch locked are updated, ids that did not exist are inserted.
     * Returns the ids written; a missing id was inserted by a concurrent batch after it was looked for (its row is
     * left alone) and must be locked and recomputed.
     */
    java.util.Set<String> write(Connection c, Map<String, ExternalIdState> states, java.util.Set<String> locked,
                                long nowSecond) throws SQLException {
        java.util.Set<String> written = new java.util.HashSet<>();
        if (states.isEmpty()) {
            return written;
        }
        String[] ids = states.keySet().stream().sorted().toArray(String[]::new);
        byte[][] blobs = new byte[ids.length][];
        for (int i = 0; i < ids.length; i++) {
            blobs[i] = states.get(ids[i]).encode();
        }
        String sql = "INSERT INTO " + database.rollup("message_index") + " AS t (external_id, state, touched_at) "
                + "SELECT u.id, u.state, ? FROM unnest(?::text[], ?::bytea[]) AS u(id, state) "
                + "ON CONFLICT (external_id) DO UPDATE SET state = excluded.state, touched_at = excluded.touched_at "
                + "WHERE t.external_id = ANY(?::text[]) RETURNING external_id";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, nowSecond);
            ps.setArray(2, c.createArrayOf("text", ids));
            ps.setArray(3, c.createArrayOf("bytea", blobs));
            ps.setArray(4, c.createArrayOf("text", locked.toArray(new String[0])));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    written.add(rs.getString(1));
                }
            }
        }
        return written;
    }

    /**
     * Omni's rows from before the cutover with these external ids (through {@code omni_events}' own
     * {@code external_id} index), each with the status the backfill layer counts it with as {@link SeedPins} fixes
     * it: its pin; else, in a pinned day, the status its event type inserts; else the status it has now, which this
     * pins. Holds the shared locks of the rows' days while deciding. Every id gets a list, empty when it has no such
     * row, ordered by row id.
     */
    Map<String, List<SeedRow>> lookupSeeds(Connection c, Collection<String> externalIds, long cutoverMs)
            throws SQLException {
        Map<String, List<SeedRow>> seeds = new HashMap<>();
        if (externalIds.isEmpty()) {
            return seeds;
        }
        externalIds.forEach(id -> seeds.put(id, new ArrayList<>()));
        String[] ids = externalIds.stream().sorted().toArray(String[]::new);
        java.time.LocalDateTime cutover = java.time.LocalDateTime.ofInstant(java.time.Instant.ofEpochMilli(cutoverMs),
                java.time.ZoneOffset.UTC);
        List<Long> days = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT DISTINCT (floor(extract(epoch FROM e.received_at) "
                + "/ 86400) * 86400)::bigint FROM " + database.omni("omni_events") + " AS e "
                + "WHERE e.external_id = ANY(?::varchar[]) AND e.received_at < ?")) {
            ps.setArray(1, c.createArrayOf("varchar", ids));
            ps.setObject(2, cutover);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    days.add(rs.getLong(1));
                }
            }
        }
        if (days.isEmpty()) {
            return seeds;
        }
        SeedPins.lockDaysShared(c, days);
        List<UUID> newPins = new ArrayList<>();
        List<String> newPinStatuses = new ArrayList<>();
        String sql = "SELECT e.external_id, e.id, (floor(extract(epoch FROM e.received_at) / 60) * 60)::bigint, "
                + "e.instance_id, e.status, p.status, b.pinned IS TRUE, " + SeedPins.ORIGINAL_STATUS + " FROM "
                + database.omni("omni_events") + " AS e LEFT JOIN " + database.rollup("seed_status")
                + " AS p ON p.row_id = e.id LEFT JOIN " + database.rollup("backfill_days") + " AS b ON b.kind = 'all' "
                + "AND b.day = (floor(extract(epoch FROM e.received_at) / 86400) * 86400)::bigint "
                + "WHERE e.external_id = ANY(?::varchar[]) AND e.received_at < ?";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setArray(1, c.createArrayOf("varchar", ids));
            ps.setObject(2, cutover);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    UUID rowId = rs.getObject(2, UUID.class);
                    String pin = rs.getString(6);
                    String status;
                    if (pin != null) {
                        status = pin;
                    } else if (rs.getBoolean(7)) {
                        status = rs.getString(8);
                    } else {
                        status = rs.getString(5);
                        newPins.add(rowId);
                        newPinStatuses.add(status);
                    }
                    seeds.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(new SeedRow(
                            rowId, rs.getLong(3), rs.getObject(4, UUID.class), status));
                }
            }
        }
        pin(c, newPins, newPinStatuses);
        seeds.values().forEach(list -> list.sort(Comparator.comparing(SeedRow::rowId)));
        return seeds;
    }

    private void pin(Connection c, List<UUID> rows, List<String> statuses) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + database.rollup("seed_status")
                + " (row_id, status) SELECT * FROM unnest(?::uuid[], ?::text[]) ON CONFLICT (row_id) DO NOTHING")) {
            ps.setArray(1, c.createArrayOf("uuid", rows.toArray(UUID[]::new)));
            ps.setArray(2, c.createArrayOf("text", statuses.toArray(String[]::new)));
            ps.executeUpdate();
        }
    }

    /** Deletes index entries untouched since {@code beforeSecond}. */
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
