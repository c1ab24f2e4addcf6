package dev.omnirollup.store;

import dev.omnirollup.store.ExternalIdState.Pending;
import dev.omnirollup.store.ExternalIdState.SeedRow;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * The external-id index in PostgreSQL ({@code message_index}) and the lookup of Omni's older rows in
 * {@code omni_events} with the status the backfill layer counts them with ({@code seed_status}, see
 * {@link SeedPins}). Every method runs inside the caller's transaction.
 */
final class MessageIndex {
    private static final String LOCK = """
            SELECT external_id, state FROM <rollup>.message_index
             WHERE external_id = ANY(:ids::text[]) ORDER BY external_id FOR UPDATE
            """;
    /**
     * The conflict filter is a subquery so that PostgreSQL hashes the locked ids under any plan: {@code = ANY(array)}
     * is hashed only when the array is a constant (a custom plan) and scanned per conflicting row under a generic one
     * (benchmarks/sql/index-write-plans.sql).
     */
    private static final String WRITE = """
            INSERT INTO <rollup>.message_index AS t (external_id, state, touched_at)
            SELECT u.id, u.state, :touched FROM unnest(:ids::text[], :states::bytea[]) AS u(id, state)
            ON CONFLICT (external_id) DO UPDATE SET state = excluded.state, touched_at = excluded.touched_at
             WHERE t.external_id IN (SELECT unnest(:locked::text[]))
            RETURNING external_id
            """;
    private static final String SEED_DAYS = """
            SELECT DISTINCT (floor(extract(epoch FROM e.received_at) / 86400) * 86400)::int8 FROM <omni>.omni_events AS e
             WHERE e.external_id = ANY(:ids::varchar[]) AND e.received_at < :cutover
            """;
    private static final String SEEDS = """
            SELECT e.external_id, e.id, (floor(extract(epoch FROM e.received_at) / 60) * 60)::int8 AS minute,
                   e.instance_id, e.status, p.status AS pin, b.pinned IS TRUE AS day_pinned,
                   CASE e.event_type WHEN 'message.received' THEN 'received' WHEN 'message.failed' THEN 'failed'
                        ELSE 'completed' END AS original
              FROM <omni>.omni_events AS e
              LEFT JOIN <rollup>.seed_status AS p ON p.row_id = e.id
              LEFT JOIN <rollup>.backfill_days AS b ON b.kind = 'all'
                   AND b.day = (floor(extract(epoch FROM e.received_at) / 86400) * 86400)::int8
             WHERE e.external_id = ANY(:ids::varchar[]) AND e.received_at < :cutover
            """;
    private static final String PIN = """
            INSERT INTO <rollup>.seed_status (row_id, status, day)
            SELECT * FROM unnest(:rows::uuid[], :statuses::text[], :days::int8[])
            ON CONFLICT (row_id) DO NOTHING
            """;
    private static final String UNSPILL = """
            DELETE FROM <rollup>.message_pending WHERE external_id = ANY(:ids::text[])
            RETURNING external_id, stream_seq, minute, shape
            """;
    private static final String SPILL = """
            INSERT INTO <rollup>.message_pending (external_id, stream_seq, minute, shape)
            SELECT * FROM unnest(:ids::text[], :seqs::int8[], :minutes::int8[], :shapes::bytea[])
            """;
    private static final String PRUNE_PENDING = """
            DELETE FROM <rollup>.message_pending WHERE minute < :before
            """;
    private static final String PRUNE = """
            DELETE FROM <rollup>.message_index WHERE external_id IN (SELECT external_id FROM <rollup>.message_index
             WHERE touched_at < :before ORDER BY touched_at LIMIT :limit) AND touched_at < :before
            """;

    /** Distinct external ids in the order their index rows are locked and written in. */
    static List<String> lockOrder(Collection<String> externalIds) {
        return externalIds.stream().distinct().sorted().toList();
    }

    /**
     * The ids of {@code ordered} (distinct, in lock order) that {@code wanted} holds, in that order; when
     * {@code ordered} lacks some of them, all of {@code wanted} sorted anew.
     */
    static List<String> subsequence(List<String> ordered, Set<String> wanted) {
        List<String> ids = new ArrayList<>(wanted.size());
        for (String id : ordered) {
            if (wanted.contains(id)) {
                ids.add(id);
            }
        }
        return ids.size() == wanted.size() ? ids : lockOrder(wanted);
    }

    /** Locks the index rows of those of these external ids (distinct, in lock order) that exist and returns them. */
    Map<String, ExternalIdState> lockExisting(Handle handle, List<String> ids) {
        Map<String, ExternalIdState> locked = new HashMap<>();
        if (ids.isEmpty()) {
            return locked;
        }
        handle.createQuery(LOCK).bindByType("ids", ids, SqlArrays.STRINGS)
                .map((rs, ctx) -> Map.entry(rs.getString(1), ExternalIdStateCodec.decode(rs.getBytes(2))))
                .forEach(entry -> locked.put(entry.getKey(), entry.getValue()));
        return locked;
    }

    /**
     * Writes new states in one statement, in the order of {@code order} (their ids and maybe others, distinct, in
     * lock order): ids this batch locked are updated, ids that did not exist are inserted. Returns the ids written;
     * a missing id was inserted by a concurrent batch after it was looked for (its row is left alone) and must be
     * locked and recomputed.
     */
    Set<String> write(Handle handle, Map<String, ExternalIdState> states, List<String> order, Set<String> locked,
                      long nowSecond) {
        if (states.isEmpty()) {
            return new HashSet<>();
        }
        List<String> ids = subsequence(order, states.keySet());
        List<byte[]> blobs = ids.stream().map(id -> ExternalIdStateCodec.encode(states.get(id))).toList();
        return new HashSet<>(handle.createQuery(WRITE).bind("touched", nowSecond)
                .bindByType("ids", ids, SqlArrays.STRINGS).bind("states", RollupDatabase.byteaArray(blobs))
                .bindByType("locked", locked, SqlArrays.STRINGS).mapTo(String.class).list());
    }

    /**
     * Takes back (and deletes) the pending rows these ids set aside, by id; ids with none are absent. The caller
     * holds the ids' index rows locked.
     */
    Map<String, List<Pending>> unspill(Handle handle, Collection<String> externalIds) {
        Map<String, List<Pending>> rows = new HashMap<>();
        if (externalIds.isEmpty()) {
            return rows;
        }
        handle.createQuery(UNSPILL).bindByType("ids", externalIds.stream().sorted().toList(), SqlArrays.STRINGS)
                .map((rs, ctx) -> Map.entry(rs.getString(1), new Pending(rs.getLong(2),
                        ExternalIdStateCodec.decodeShape(rs.getBytes(4), rs.getLong(3)))))
                .forEach(row -> rows.computeIfAbsent(row.getKey(), k -> new ArrayList<>()).add(row.getValue()));
        return rows;
    }

    /** Sets aside these pending rows, by id (see {@link ExternalIdState#spill}). */
    void spill(Handle handle, Map<String, List<Pending>> rows) {
        List<String> ids = new ArrayList<>();
        List<Long> seqs = new ArrayList<>();
        List<Long> minutes = new ArrayList<>();
        List<byte[]> shapes = new ArrayList<>();
        rows.forEach((id, list) -> list.forEach(row -> {
            ids.add(id);
            seqs.add(row.streamSeq());
            minutes.add(row.row().epochSecond());
            shapes.add(ExternalIdStateCodec.encodeShape(row.row()));
        }));
        if (ids.isEmpty()) {
            return;
        }
        handle.createUpdate(SPILL).bindByType("ids", ids, SqlArrays.STRINGS).bindByType("seqs", seqs, SqlArrays.LONGS)
                .bindByType("minutes", minutes, SqlArrays.LONGS).bind("shapes", RollupDatabase.byteaArray(shapes))
                .execute();
    }

    /** A pre-cutover row of Omni's with an external id, as read (before deciding the status it counts with). */
    private record OmniRow(String externalId, UUID rowId, long minute, UUID instanceId, String status,
                           String pin, boolean dayPinned, String original) {
    }

    /**
     * Omni's rows from before the cutover with these external ids (through {@code omni_events}' own
     * {@code external_id} index), each with the status the backfill layer counts it with as {@link SeedPins} fixes
     * it: its pin; else, in a pinned day, the status its event type inserts; else the status it has now, which this
     * pins. Holds the shared locks of the rows' days while deciding. Every id gets a list, empty when it has no such
     * row, ordered by row id.
     */
    Map<String, List<SeedRow>> lookupSeeds(Handle handle, Collection<String> externalIds, long cutoverMs) {
        Map<String, List<SeedRow>> seeds = new HashMap<>();
        if (externalIds.isEmpty()) {
            return seeds;
        }
        externalIds.forEach(id -> seeds.put(id, new ArrayList<>()));
        List<String> ids = externalIds.stream().sorted().toList();
        LocalDateTime cutover = LocalDateTime.ofInstant(Instant.ofEpochMilli(cutoverMs), ZoneOffset.UTC);
        List<Long> days = handle.createQuery(SEED_DAYS).bindByType("ids", ids, SqlArrays.STRINGS)
                .bind("cutover", cutover).mapTo(Long.class).list();
        if (days.isEmpty()) {
            return seeds;
        }
        SeedPins.lockDaysShared(handle, days);
        List<OmniRow> rows = handle.createQuery(SEEDS).bindByType("ids", ids, SqlArrays.STRINGS)
                .bind("cutover", cutover)
                .map((rs, ctx) -> new OmniRow(rs.getString(1), rs.getObject(2, UUID.class), rs.getLong(3),
                        rs.getObject(4, UUID.class), rs.getString(5), rs.getString(6), rs.getBoolean(7),
                        rs.getString(8)))
                .list();
        List<UUID> newPins = new ArrayList<>();
        List<String> newPinStatuses = new ArrayList<>();
        List<Long> newPinDays = new ArrayList<>();
        for (OmniRow row : rows) {
            String status;
            if (row.pin() != null) {
                status = row.pin();
            } else if (row.dayPinned()) {
                status = row.original();
            } else {
                status = row.status();
                newPins.add(row.rowId());
                newPinStatuses.add(status);
                newPinDays.add(Grain.DAY.bucketOf(row.minute()));
            }
            seeds.computeIfAbsent(row.externalId(), k -> new ArrayList<>())
                    .add(new SeedRow(row.rowId(), row.minute(), row.instanceId(), status));
        }
        if (!newPins.isEmpty()) {
            handle.createUpdate(PIN).bindByType("rows", newPins, SqlArrays.UUIDS)
                    .bindByType("statuses", newPinStatuses, SqlArrays.STRINGS)
                    .bindByType("days", newPinDays, SqlArrays.LONGS).execute();
        }
        seeds.values().forEach(list -> list.sort(Comparator.comparing(SeedRow::rowId)));
        return seeds;
    }

    /**
     * Deletes index entries untouched since {@code beforeSecond}, at most {@code limit}, and every pending row set
     * aside from before then (a delivered that late no longer completes it, as for rows kept in a state).
     */
    int prune(Handle handle, long beforeSecond, int limit) {
        return handle.createUpdate(PRUNE).bind("before", beforeSecond).bind("limit", limit).execute()
                + handle.createUpdate(PRUNE_PENDING).bind("before", beforeSecond).execute();
    }
}
