package dev.omnirollup.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Counts the rows Omni writes into {@code automation_logs} (every execution, engine or manual; Omni publishes
 * nothing about them) into the live layer of the automation rollups, exactly once.
 *
 * <p>Omni's rows get {@code created_at = now()} of their inserting transaction, so a row can become visible after
 * rows with a later {@code created_at}. A poll therefore reads, through Omni's {@code created_at} index, the rows from
 * {@code lookback} before the newest one counted so far (the high-water mark) onwards, and counts those not in
 * {@code automation_seen}, the record of the rows counted inside that window (pruned behind it). The record, the
 * counters and the high-water mark commit in one transaction; the tail's row is locked with {@code SKIP LOCKED}, so
 * with several ingest processes one polls at a time and the others skip the round. Rows before the cutover are
 * backfill's. Thread-safe.
 */
public final class AutomationLogTail {
    private static final int CHUNK = 5_000;

    private final RollupDatabase database;
    private final InstantSource clock;
    private final Duration minuteRetention;
    private final LocalDateTime cutover;
    private final Duration lookback;
    private final RollupWriter writer;

    /**
     * @param cutover  rows created before it are backfill's
     * @param lookback how long before the newest counted row a row may still appear (its transaction committing
     *                 late)
     */
    public AutomationLogTail(RollupDatabase database, InstantSource clock, Duration minuteRetention, Instant cutover,
                             Duration lookback) {
        if (lookback.isNegative()) {
            throw new IllegalArgumentException("lookback must not be negative, got " + lookback);
        }
        this.database = database;
        this.clock = clock;
        this.minuteRetention = minuteRetention;
        this.cutover = LocalDateTime.ofInstant(cutover, ZoneOffset.UTC);
        this.lookback = lookback;
        this.writer = new RollupWriter(database);
    }

    /**
     * What one poll did.
     *
     * @param ran       false when another process was polling
     * @param counted   rows counted
     * @param highWater the newest {@code created_at} counted so far (UTC)
     */
    public record Poll(boolean ran, long counted, Instant highWater) {
    }

    /** Counts the rows that appeared since the last poll (in chunks of a few thousand, each its own transaction). */
    public Poll poll() {
        long counted = 0;
        while (true) {
            Chunk chunk = database.inTransaction(this::pollChunk);
            counted += chunk.counted();
            if (!chunk.ran() || !chunk.full()) {
                return new Poll(chunk.ran(), counted, chunk.highWater().toInstant(ZoneOffset.UTC));
            }
        }
    }

    private record Chunk(boolean ran, long counted, boolean full, LocalDateTime highWater) {
    }

    private Chunk pollChunk(Connection c) throws SQLException {
        LocalDateTime[] tail = lockTail(c);
        if (tail == null) {
            return new Chunk(false, 0, false, cutover);
        }
        LocalDateTime highWater = tail[0];
        LocalDateTime databaseNow = tail[1];
        AutomationLocks.shared(c);
        LocalDateTime from = highWater.minus(lookback);
        if (from.isBefore(cutover)) {
            from = cutover;
        }
        List<LogRow> rows = newRows(c, from);
        long nowSecond = clock.instant().getEpochSecond();
        Deltas deltas = new Deltas(Grain.MINUTE.bucketOf(nowSecond - minuteRetention.toSeconds()));
        LocalDateTime newest = highWater;
        List<LogRow> claimed = claim(c, rows);
        for (LogRow row : claimed) {
            deltas.addExecutions(row.createdAt().toEpochSecond(ZoneOffset.UTC), row.automationId(), row.status(), 1,
                    row.actions(), row.executionTimeMs() == null ? 0 : row.executionTimeMs(),
                    row.executionTimeMs() == null ? 0 : 1);
        }
        for (LogRow row : rows) {
            // a row stamped ahead of the database clock is counted, but does not move the mark past the clock
            LocalDateTime created = row.createdAt().isAfter(databaseNow) ? databaseNow : row.createdAt();
            newest = created.isAfter(newest) ? created : newest;
        }
        writer.write(c, deltas, RollupWriter.LIVE);
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + database.rollup("automation_tail")
                + " SET high_water = ? WHERE id = 1")) {
            ps.setObject(1, newest);
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + database.rollup("automation_seen")
                + " WHERE created_at < ?")) {
            ps.setObject(1, newest.minus(lookback));
            ps.executeUpdate();
        }
        return new Chunk(true, claimed.size(), rows.size() == CHUNK, newest);
    }

    /**
     * Locks the tail's row (creating it at the cutover); returns its high-water mark and the database's clock (UTC
     * wall clock, as Omni's {@code created_at}), or null when another process holds it.
     */
    private LocalDateTime[] lockTail(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + database.rollup("automation_tail")
                + " (id, high_water) VALUES (1, ?) ON CONFLICT (id) DO NOTHING")) {
            ps.setObject(1, cutover);
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT high_water, (now() AT TIME ZONE 'UTC')::timestamp FROM "
                + database.rollup("automation_tail") + " WHERE id = 1 FOR UPDATE SKIP LOCKED");
             ResultSet rs = ps.executeQuery()) {
            return rs.next() ? new LocalDateTime[] {rs.getObject(1, LocalDateTime.class),
                rs.getObject(2, LocalDateTime.class)} : null;
        }
    }

    /** One automation_logs row, reduced to what the counters need. */
    private record LogRow(UUID id, UUID automationId, String status, long actions, Long executionTimeMs,
                          LocalDateTime createdAt) {
    }

    private List<LogRow> newRows(Connection c, LocalDateTime from) throws SQLException {
        String sql = "SELECT l.id, l.automation_id, l.status, CASE WHEN jsonb_typeof(l.actions_executed) = 'array' "
                + "THEN jsonb_array_length(l.actions_executed) ELSE 0 END, l.execution_time_ms::bigint, l.created_at "
                + "FROM " + database.omni("automation_logs") + " AS l WHERE l.created_at >= ? AND NOT EXISTS "
                + "(SELECT 1 FROM " + database.rollup("automation_seen") + " AS s WHERE s.log_id = l.id) "
                + "ORDER BY l.created_at, l.id LIMIT " + CHUNK;
        List<LogRow> rows = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, from);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new LogRow(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getString(3),
                            rs.getLong(4), rs.getObject(5, Long.class), rs.getObject(6, LocalDateTime.class)));
                }
            }
        }
        return rows;
    }

    /** Records the rows as counted; returns those this transaction recorded (a row is never counted twice). */
    private List<LogRow> claim(Connection c, List<LogRow> rows) throws SQLException {
        if (rows.isEmpty()) {
            return rows;
        }
        UUID[] ids = new UUID[rows.size()];
        String[] created = new String[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            ids[i] = rows.get(i).id();
            created[i] = rows.get(i).createdAt().toString();
        }
        java.util.Set<UUID> inserted = new java.util.HashSet<>();
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + database.rollup("automation_seen")
                + " (log_id, created_at) SELECT * FROM unnest(?::uuid[], ?::timestamp[]) ON CONFLICT (log_id) DO NOTHING "
                + "RETURNING log_id")) {
            ps.setArray(1, c.createArrayOf("uuid", ids));
            ps.setArray(2, c.createArrayOf("text", created));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    inserted.add(rs.getObject(1, UUID.class));
                }
            }
        }
        return rows.stream().filter(row -> inserted.contains(row.id())).toList();
    }
}
