package dev.omnirollup.store;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

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
    private static final String CREATE_TAIL =
            "INSERT INTO <rollup>.automation_tail (id, high_water) VALUES (1, :cutover) ON CONFLICT (id) DO NOTHING";
    private static final String LOCK_TAIL = """
            SELECT high_water, (now() AT TIME ZONE 'UTC')::timestamp FROM <rollup>.automation_tail
             WHERE id = 1 FOR UPDATE SKIP LOCKED
            """;
    private static final String NEW_ROWS = """
            SELECT l.id, l.automation_id, l.status,
                   CASE WHEN jsonb_typeof(l.actions_executed) = 'array' THEN jsonb_array_length(l.actions_executed)
                        ELSE 0 END,
                   l.execution_time_ms::int8, l.created_at
              FROM <omni>.automation_logs AS l
             WHERE l.created_at >= :from
               AND NOT EXISTS (SELECT 1 FROM <rollup>.automation_seen AS s WHERE s.log_id = l.id)
             ORDER BY l.created_at, l.id LIMIT :limit
            """;
    private static final String RECORD = """
            INSERT INTO <rollup>.automation_seen (log_id, created_at)
            SELECT * FROM unnest(:ids::uuid[], :created::timestamp[]) ON CONFLICT (log_id) DO NOTHING RETURNING log_id
            """;
    private static final String MOVE_MARK = "UPDATE <rollup>.automation_tail SET high_water = :mark WHERE id = 1";
    private static final String FORGET_SEEN = "DELETE FROM <rollup>.automation_seen WHERE created_at < :before";

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

    /** The tail's row, locked: its high-water mark and the database's clock (UTC wall clock, as created_at). */
    private record Tail(LocalDateTime highWater, LocalDateTime databaseNow) {
    }

    private Chunk pollChunk(Handle handle) {
        handle.createUpdate(CREATE_TAIL).bind("cutover", cutover).execute();
        Optional<Tail> tail = handle.createQuery(LOCK_TAIL)
                .map((rs, ctx) -> new Tail(rs.getObject(1, LocalDateTime.class), rs.getObject(2, LocalDateTime.class)))
                .findOne();
        if (tail.isEmpty()) {
            return new Chunk(false, 0, false, cutover);
        }
        AutomationLocks.shared(handle);
        LocalDateTime from = tail.get().highWater().minus(lookback);
        if (from.isBefore(cutover)) {
            from = cutover;
        }
        List<LogRow> rows = handle.createQuery(NEW_ROWS).bind("from", from).bind("limit", CHUNK)
                .map((rs, ctx) -> new LogRow(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getString(3),
                        rs.getLong(4), rs.getObject(5, Long.class), rs.getObject(6, LocalDateTime.class)))
                .list();
        long nowSecond = clock.instant().getEpochSecond();
        RollupChanges changes = new RollupChanges(Grain.MINUTE.bucketOf(nowSecond - minuteRetention.toSeconds()));
        List<LogRow> claimed = claim(handle, rows);
        for (LogRow row : claimed) {
            changes.addExecutions(row.createdAt().toEpochSecond(ZoneOffset.UTC), row.automationId(),
                    AutomationCounts.of(row.status(), 1, row.actions(),
                            row.executionTimeMs() == null ? 0 : row.executionTimeMs(),
                            row.executionTimeMs() == null ? 0 : 1));
        }
        LocalDateTime newest = tail.get().highWater();
        for (LogRow row : rows) {
            // a row stamped ahead of the database clock is counted, but does not move the mark past the clock
            LocalDateTime created = row.createdAt().isAfter(tail.get().databaseNow()) ? tail.get().databaseNow()
                    : row.createdAt();
            newest = created.isAfter(newest) ? created : newest;
        }
        writer.write(handle, changes, Layer.LIVE);
        handle.createUpdate(MOVE_MARK).bind("mark", newest).execute();
        handle.createUpdate(FORGET_SEEN).bind("before", newest.minus(lookback)).execute();
        return new Chunk(true, claimed.size(), rows.size() == CHUNK, newest);
    }

    /** One automation_logs row, reduced to what the counters need. */
    private record LogRow(UUID id, UUID automationId, String status, long actions, Long executionTimeMs,
                          LocalDateTime createdAt) {
    }

    /** Records the rows as counted; returns those this transaction recorded (a row is never counted twice). */
    private static List<LogRow> claim(Handle handle, List<LogRow> rows) {
        if (rows.isEmpty()) {
            return rows;
        }
        Set<UUID> recorded = new HashSet<>(handle.createQuery(RECORD)
                .bindByType("ids", rows.stream().map(LogRow::id).toList(), SqlArrays.UUIDS)
                .bindByType("created", rows.stream().map(row -> row.createdAt().toString()).toList(),
                        SqlArrays.STRINGS)
                .mapTo(UUID.class).list());
        return rows.stream().filter(row -> recorded.contains(row.id())).toList();
    }
}
