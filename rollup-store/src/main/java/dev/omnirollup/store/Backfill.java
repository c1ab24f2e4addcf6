package dev.omnirollup.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/**
 * Rebuilds the backfill layer of the rollups from Omni's {@code omni_events} and {@code automation_logs} rows
 * before the cutover, one UTC day per transaction: one {@code GROUP BY} pass over the day's rows in PostgreSQL,
 * folded into deltas exactly as live rows are. The day's previous backfill rows are deleted first and the running
 * totals move by the difference, so re-running a day replaces what it wrote before. Each row counts with the status
 * {@link SeedPins} fixes for it, so backfill and the live receipt fold never count a change twice, whichever of them
 * (or Omni's own consumer) got to the row first. The live layer is never touched, so backfill can run while ingest
 * and API run. The day of the cutover is read only once {@code cutoverSettle} has passed after the cutover, so that
 * rows stamped before the cutover and stored by Omni a little later are in it.
 */
public final class Backfill {
    private static final long DAY = Grain.DAY.seconds();

    private final RollupDatabase database;
    private final InstantSource clock;
    private final Duration minuteRetention;
    private final RollupWriter writer;
    private final int parallelism;
    private final Duration cutoverSettle;

    /** Backfill computing one day at a time, reading the cutover's day at once. */
    public Backfill(RollupDatabase database, InstantSource clock, Duration minuteRetention) {
        this(database, clock, minuteRetention, 1, Duration.ZERO);
    }

    /** Backfill computing {@code parallelism} days at a time, reading the cutover's day at once. */
    public Backfill(RollupDatabase database, InstantSource clock, Duration minuteRetention, int parallelism) {
        this(database, clock, minuteRetention, parallelism, Duration.ZERO);
    }

    /**
     * @param parallelism   days computed at once, each in its own transaction (days share only the running-total
     *                      rows, which every writer locks in the same order)
     * @param cutoverSettle how long after the cutover its day may be read (Omni's consumer stores what was in flight
     *                      at the cutover a little later)
     */
    public Backfill(RollupDatabase database, InstantSource clock, Duration minuteRetention, int parallelism,
                    Duration cutoverSettle) {
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be >= 1, got " + parallelism);
        }
        if (cutoverSettle.isNegative()) {
            throw new IllegalArgumentException("cutoverSettle must not be negative, got " + cutoverSettle);
        }
        this.cutoverSettle = cutoverSettle;
        this.database = database;
        this.clock = clock;
        this.minuteRetention = minuteRetention;
        this.writer = new RollupWriter(database);
        this.parallelism = parallelism;
    }

    /** The days a run covers. */
    public record Plan(Instant cutover, long firstDay, long endDay, long estimatedRows) {
        public long days() {
            return Math.max(0, (endDay - firstDay) / DAY);
        }
    }

    /** What one day's transaction did: the source rows it read. */
    public record DayResult(long day, long eventRows, long automationRows) {
    }

    /** Receives progress; called on the backfill's thread. */
    public interface Listener {
        void dayDone(Plan plan, DayResult result);

        /** Called once when the day of the cutover must wait for {@code cutoverSettle} to pass. */
        default void waitingForCutoverSettle(Instant readableAt) {
        }
    }

    /**
     * Plans a run over {@code [from, to)} widened to whole UTC days and clamped to the cutover. Without a
     * {@code from}, starts at the oldest row of Omni's tables.
     *
     * @throws IllegalArgumentException when {@code from} is not before {@code to}
     */
    public Plan plan(Instant cutover, java.util.Optional<Instant> from, java.util.Optional<Instant> to) {
        Instant end = to.filter(t -> t.isBefore(cutover)).orElse(cutover);
        if (from.isPresent() && !from.get().isBefore(end)) {
            throw new IllegalArgumentException("--from " + from.get() + " is not before " + end
                    + (to.isPresent() && !to.get().isBefore(cutover) ? " (the cutover)" : ""));
        }
        Instant start = from.orElseGet(this::oldestRow);
        long firstDay = Grain.DAY.bucketOf(start.getEpochSecond());
        long endDay = Grain.DAY.ceil(end.getEpochSecond());
        return new Plan(cutover, firstDay, endDay, estimateRows());
    }

    /**
     * Runs the plan, oldest days first, {@code parallelism} days at a time. {@code stop} is checked before each day
     * starts (Ctrl-C): every finished day is committed, so a later run completes the job.
     *
     * @param dryRun compute each day and roll it back
     * @return the days done, in the order they finished
     * @throws StoreException when a day fails (the days finished before it stay committed)
     */
    public List<DayResult> run(Plan plan, boolean dryRun, BooleanSupplier stop, Listener listener) {
        List<DayResult> done = new java.util.ArrayList<>();
        java.util.concurrent.ExecutorService days = java.util.concurrent.Executors.newFixedThreadPool(parallelism,
                Thread.ofPlatform().name("backfill-", 0).daemon().factory());
        java.util.concurrent.CompletionService<DayResult> finished =
                new java.util.concurrent.ExecutorCompletionService<>(days);
        try {
            long next = plan.firstDay();
            int running = 0;
            while (running > 0 || (next < plan.endDay() && !stop.getAsBoolean())) {
                while (running < parallelism && next < plan.endDay() && !stop.getAsBoolean()) {
                    long day = next;
                    long toMs = Math.min((day + DAY) * 1000, plan.cutover().toEpochMilli());
                    if (toMs == plan.cutover().toEpochMilli() && !awaitCutoverSettle(plan, stop, listener)) {
                        break;
                    }
                    finished.submit(() -> database.inTransaction(c -> {
                        DayResult r = backfillDay(c, day, toMs);
                        if (dryRun) {
                            c.rollback();
                        }
                        return r;
                    }));
                    running++;
                    next += DAY;
                }
                if (running == 0) {
                    break; // stopped while waiting for the cutover's day
                }
                DayResult result = finished.take().get();
                running--;
                done.add(result);
                listener.dayDone(plan, result);
            }
            return done;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("backfill interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof StoreException store ? store
                    : new StoreException("backfill failed: " + e.getCause().getMessage(), e.getCause());
        } finally {
            days.shutdownNow();
        }
    }

    /**
     * Waits until the day of the cutover may be read; false when {@code stop} asked to stop first. Waiting in
     * slices of at most 200 ms keeps Ctrl-C prompt.
     */
    private boolean awaitCutoverSettle(Plan plan, BooleanSupplier stop, Listener listener)
            throws InterruptedException {
        Instant readableAt = plan.cutover().plus(cutoverSettle);
        boolean told = false;
        while (clock.instant().isBefore(readableAt)) {
            if (stop.getAsBoolean()) {
                return false;
            }
            if (!told) {
                listener.waitingForCutoverSettle(readableAt);
                told = true;
            }
            Thread.sleep(Math.max(1, Math.min(200, Duration.between(clock.instant(), readableAt).toMillis())));
        }
        return true;
    }

    private DayResult backfillDay(Connection c, long day, long endMs) throws SQLException {
        SeedPins.lockDay(c, day);
        AutomationLocks.shared(c);
        long nowSecond = clock.instant().getEpochSecond();
        long minuteFloor = Grain.MINUTE.bucketOf(nowSecond - minuteRetention.toSeconds());
        boolean pinned = isPinned(c, day);
        Deltas deltas = new Deltas(minuteFloor);
        takeBackOldDay(c, day, deltas);
        deleteBackfillRows(c, day);
        Timestamps range = new Timestamps(day * 1000, endMs);
        long events = aggregateEvents(c, range, minuteFloor, pinned, deltas);
        long executions = aggregateExecutions(c, range, deltas);
        writer.writeFresh(c, deltas, RollupWriter.BACKFILL);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + database.rollup("backfill_days")
                + " AS t (kind, day, source_rows, pinned) VALUES ('all', ?, ?, true) ON CONFLICT (kind, day) DO UPDATE "
                + "SET source_rows = excluded.source_rows, finished_at = now(), pinned = true")) {
            ps.setLong(1, day);
            ps.setLong(2, events + executions);
            ps.executeUpdate();
        }
        return new DayResult(day, events, executions);
    }

    /** Whether an earlier run of this day pinned its rows (see {@link SeedPins}). */
    private boolean isPinned(Connection c, long day) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pinned FROM " + database.rollup("backfill_days")
                + " WHERE kind = 'all' AND day = ?")) {
            ps.setLong(1, day);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /** Subtracts from the running totals what the previous backfill of this day added (its day rows). */
    private void takeBackOldDay(Connection c, long day, Deltas deltas) throws SQLException {
        String columns = String.join(", ", Deltas.MESSAGE_COLUMNS);
        try (PreparedStatement ps = c.prepareStatement("SELECT scope, instance_id, dims, " + columns + " FROM "
                + database.rollup("msg_day") + " WHERE scope IN (0, 1) AND bucket = ? AND src = 1")) {
            ps.setLong(1, day);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long[] values = new long[Deltas.MESSAGE_COLUMNS.size()];
                    for (int i = 0; i < values.length; i++) {
                        values[i] = -rs.getLong(4 + i);
                    }
                    short scope = rs.getShort(1);
                    UUID instance = rs.getObject(2, UUID.class);
                    deltas.addMessageCell(new Deltas.Cell(Grain.TOTAL, scope, instance, 0), values);
                    DimsJson.read(rs.getString(3)).forEach((key, n) -> deltas.addDimCell(new Deltas.DimCell(
                            Grain.TOTAL, scope, instance, 0, Dim.ofPrefix(key.charAt(0)), key.substring(2)), -n));
                }
            }
        }
        String autoColumns = String.join(", ", Deltas.AUTOMATION_COLUMNS);
        try (PreparedStatement ps = c.prepareStatement("SELECT scope, automation_id, " + autoColumns + " FROM "
                + database.rollup("auto_day") + " WHERE scope IN (0, 1) AND bucket = ? AND src = 1")) {
            ps.setLong(1, day);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long[] values = new long[Deltas.AUTOMATION_COLUMNS.size()];
                    for (int i = 0; i < values.length; i++) {
                        values[i] = -rs.getLong(3 + i);
                    }
                    deltas.addAutomationCell(new Deltas.AutoCell(Grain.TOTAL, rs.getShort(1),
                            rs.getObject(2, UUID.class), 0), values);
                }
            }
        }
    }

    private void deleteBackfillRows(Connection c, long day) throws SQLException {
        // scope leads every rollup key: naming both scopes lets each delete use its key
        for (String table : List.of("msg_minute", "msg_hour", "msg_day", "auto_minute", "auto_hour", "auto_day")) {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + database.rollup(table)
                    + " WHERE scope IN (0, 1) AND bucket >= ? AND bucket < ? AND src = 1")) {
                ps.setLong(1, day);
                ps.setLong(2, day + DAY);
                ps.executeUpdate();
            }
        }
    }

    /**
     * One pass over the day's {@code omni_events} rows, grouped in PostgreSQL (in memory) by minute (inside the
     * minute retention) or hour and every counted column, then folded into deltas exactly as live rows are. Each row
     * counts with its pinned status, else — in a day pinned before — with the status its event type inserts, else
     * with the status it has now; a first run pins, in the same statement (one snapshot), the rows whose status
     * differs from their event type's (see {@link SeedPins}).
     */
    private long aggregateEvents(Connection c, Timestamps range, long minuteFloor, boolean pinned, Deltas deltas)
            throws SQLException {
        try (Statement st = c.createStatement()) {
            // hash the day in memory; a day lost to a server crash right after its commit is redone by a re-run
            st.execute("SET LOCAL work_mem = '256MB'");
            st.execute("SET LOCAL synchronous_commit = off");
        }
        String status = pinned
                ? "coalesce(p.status, CASE WHEN e.external_id IS NULL THEN e.status ELSE " + SeedPins.ORIGINAL_STATUS + " END)"
                : "coalesce(p.status, e.status)";
        String pins = pinned ? "" : "WITH pins AS (INSERT INTO " + database.rollup("seed_status") + " (row_id, status) "
                + "SELECT e.id, e.status FROM " + database.omni("omni_events") + " AS e WHERE e.received_at >= ? "
                + "AND e.received_at < ? AND e.external_id IS NOT NULL AND e.status <> " + SeedPins.ORIGINAL_STATUS
                + " ON CONFLICT (row_id) DO NOTHING) ";
        String sql = pins + "SELECT extract(epoch FROM CASE WHEN e.received_at >= ? "
                + "THEN date_trunc('minute', e.received_at) ELSE date_trunc('hour', e.received_at) END)::bigint AS b, "
                + "e.instance_id, e.channel, e.direction, e.event_type, e.content_type, e.error_stage, " + status
                + " AS status, e.processing_time_ms::bigint, e.agent_latency_ms::bigint, count(*) "
                + "FROM " + database.omni("omni_events") + " AS e LEFT JOIN " + database.rollup("seed_status")
                + " AS p ON p.row_id = e.id "
                + "WHERE e.received_at >= ? AND e.received_at < ? GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10";
        long rows = 0;
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            if (!pinned) {
                ps.setObject(i++, range.from());
                ps.setObject(i++, range.to());
            }
            ps.setObject(i++, Timestamps.utc(minuteFloor * 1000));
            ps.setObject(i++, range.from());
            ps.setObject(i, range.to());
            ps.setFetchSize(10_000);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long n = rs.getLong(11);
                    Long proc = rs.getObject(9, Long.class);
                    Long agent = rs.getObject(10, Long.class);
                    deltas.addRows(new RowGroup(rs.getLong(1), rs.getObject(2, UUID.class), rs.getString(3),
                            rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8),
                            proc == null ? null : LatencyBins.binOf(proc), proc == null ? 0 : proc * n,
                            agent == null ? null : LatencyBins.binOf(agent), agent == null ? 0 : agent * n), n);
                    rows += n;
                }
            }
        }
        return rows;
    }

    private long aggregateExecutions(Connection c, Timestamps range, Deltas deltas) throws SQLException {
        String sql = "SELECT extract(epoch FROM date_trunc('minute', created_at))::bigint, automation_id, status, "
                + "count(*), coalesce(sum(CASE WHEN jsonb_typeof(actions_executed) = 'array' "
                + "THEN jsonb_array_length(actions_executed) END), 0), "
                + "coalesce(sum(execution_time_ms), 0), count(execution_time_ms) FROM "
                + database.omni("automation_logs") + " WHERE created_at >= ? AND created_at < ? GROUP BY 1, 2, 3";
        long rows = 0;
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, range.from());
            ps.setObject(2, range.to());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long n = rs.getLong(4);
                    deltas.addExecutions(rs.getLong(1), rs.getObject(2, UUID.class), rs.getString(3), n, rs.getLong(5),
                            rs.getLong(6), rs.getLong(7));
                    rows += n;
                }
            }
        }
        return rows;
    }

    private Instant oldestRow() {
        return database.withConnection(c -> {
            Instant oldest = clock.instant();
            for (String sql : List.of("SELECT min(received_at) FROM " + database.omni("omni_events"),
                    "SELECT min(created_at) FROM " + database.omni("automation_logs"))) {
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
                    if (rs.next() && rs.getObject(1) != null) {
                        Instant min = rs.getObject(1, LocalDateTime.class).toInstant(ZoneOffset.UTC);
                        oldest = min.isBefore(oldest) ? min : oldest;
                    }
                }
            }
            return oldest;
        });
    }

    private long estimateRows() {
        return database.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT coalesce(sum(greatest(reltuples, 0)), 0)::bigint "
                    + "FROM pg_class WHERE oid IN (to_regclass(?), to_regclass(?))")) {
                ps.setString(1, database.omni("omni_events"));
                ps.setString(2, database.omni("automation_logs"));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    /** A {@code [from, to)} range as the UTC wall-clock values Omni's timestamp columns hold. */
    private record Timestamps(LocalDateTime from, LocalDateTime to) {
        Timestamps(long fromMs, long toMs) {
            this(utc(fromMs), utc(toMs));
        }

        static LocalDateTime utc(long epochMs) {
            return LocalDateTime.ofInstant(Instant.ofEpochMilli(epochMs), ZoneOffset.UTC);
        }
    }
}
