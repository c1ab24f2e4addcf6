package dev.omnirollup.store;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.jdbi.v3.core.Handle;

/**
 * Rebuilds the backfill layer of the rollups from Omni's {@code omni_events} and {@code automation_logs} rows
 * before the cutover, one UTC day per transaction: the day's {@code omni_events} rows stream out with one binary
 * {@code COPY} of the counted columns, are folded in Java ({@link BackfillFold}) and go back with {@code COPY}.
 * The day's previous backfill rows are deleted first and the running totals move by the difference, so re-running a
 * day replaces what it wrote before. Each row counts with the status {@link SeedPins} fixes for it, so backfill and
 * the live receipt fold never count a change twice, whichever of them (or Omni's own consumer) got to the row first.
 * The live layer is never touched, so backfill can run while ingest and API run. The day of the cutover is read only
 * once {@code cutoverSettle} has passed after the cutover, so that rows stamped before the cutover and stored by
 * Omni a little later are in it. A backfill into empty rollup tables builds the per-instance indexes once at its
 * end ({@link InstanceIndexes}).
 */
public final class Backfill {
    private static final long DAY = Grain.DAY.seconds();
    /** The tables of a day's backfill rows (the running totals are moved by the difference instead). */
    private static final List<String> DAY_TABLES =
            List.of("msg_minute", "msg_hour", "msg_day", "auto_minute", "auto_hour", "auto_day");
    private static final String IS_PINNED = "SELECT pinned FROM <rollup>.backfill_days WHERE kind = 'all' AND day = :day";
    private static final String DAY_DONE = """
            INSERT INTO <rollup>.backfill_days AS t (kind, day, source_rows, pinned) VALUES ('all', :day, :rows, true)
            ON CONFLICT (kind, day) DO UPDATE SET source_rows = excluded.source_rows, finished_at = now(), pinned = true
            """;
    // scope leads every rollup key: naming both scopes lets each delete use it
    private static final String DELETE_DAY =
            "DELETE FROM <rollup>.<table> WHERE scope IN (0, 1) AND bucket >= :from AND bucket < :to AND src = 1";
    private static final String OLD_MESSAGE_DAY = """
            SELECT scope, instance_id, dims, total, completed, failed, pending, inbound, outbound, proc_sum, proc_count,
                   agent_sum, agent_count
              FROM <rollup>.msg_day WHERE scope IN (0, 1) AND bucket = :day AND src = 1
            """;
    private static final String OLD_AUTOMATION_DAY = """
            SELECT scope, automation_id, executions, success, failed, skipped, actions, exec_sum, exec_count
              FROM <rollup>.auto_day WHERE scope IN (0, 1) AND bucket = :day AND src = 1
            """;
    private static final String LOCAL_ASYNC_COMMIT = "SET LOCAL synchronous_commit = off";
    /** The status {@code message.*} event types insert a row with (a receipt changes it later). */
    private static final String INSERTED_STATUS = """
            CASE e.event_type WHEN 'message.received' THEN 'received' WHEN 'message.failed' THEN 'failed'
                ELSE 'completed' END""";
    /**
     * A day's rows, the columns the counters need, in PostgreSQL's binary COPY format (COPY takes no parameters:
     * the range is two timestamp literals this class formats). A day pinned before counts unpinned rows with the
     * status their event type inserts, and pins nothing.
     */
    private static final String COPY_PINNED_DAY = """
            COPY (SELECT e.received_at, e.instance_id, e.channel, e.direction, e.event_type, e.content_type,
                         e.error_stage, coalesce(p.status, CASE WHEN e.external_id IS NULL THEN e.status
                             ELSE <inserted> END), e.processing_time_ms, e.agent_latency_ms, NULL::uuid
                    FROM <omni>.omni_events AS e
                         LEFT JOIN <rollup>.seed_status AS p ON p.row_id = e.id AND <pins of the day>
                   WHERE e.received_at >= '<from>' AND e.received_at < '<to>') TO STDOUT (FORMAT binary)
            """;
    /**
     * As above for a day's first run, which counts rows with the status they have and names (last column) the
     * rows to pin: those with an external id whose status differs from their event type's and no pin yet. The
     * pins are written from what this one statement read (one snapshot).
     */
    private static final String COPY_FIRST_RUN = """
            COPY (SELECT e.received_at, e.instance_id, e.channel, e.direction, e.event_type, e.content_type,
                         e.error_stage, coalesce(p.status, e.status), e.processing_time_ms, e.agent_latency_ms,
                         CASE WHEN p.row_id IS NULL AND e.external_id IS NOT NULL AND e.status <> <inserted>
                              THEN e.id END
                    FROM <omni>.omni_events AS e
                         LEFT JOIN <rollup>.seed_status AS p ON p.row_id = e.id AND <pins of the day>
                   WHERE e.received_at >= '<from>' AND e.received_at < '<to>') TO STDOUT (FORMAT binary)
            """;
    /** The columns of {@link #COPY_PINNED_DAY} and {@link #COPY_FIRST_RUN}. */
    static final int COPY_COLUMNS = 11;
    private static final String COPY_PINS = "COPY <rollup>.seed_status (row_id, status, day) FROM STDIN";
    /** Whether pins without a day are left (a dry run does not date them: it writes nothing). */
    private static final String UNDATED_PINS = "SELECT EXISTS (SELECT 1 FROM <rollup>.seed_status WHERE day IS NULL)";
    /** Gives the pins written before they carried their row's day that day (once; a no-op from then on). */
    private static final String DATE_PINS = """
            UPDATE <rollup>.seed_status AS p SET day = (floor(extract(epoch FROM e.received_at) / 86400) * 86400)::int8
              FROM <omni>.omni_events AS e WHERE p.day IS NULL AND e.id = p.row_id
            """;
    /**
     * A day's executions per minute, automation and status, in the binary COPY format like the day's events: read
     * through the reader whose loop is compiled already, not a result set mapped row by row, whose code the JIT would
     * compile for these rows alone (finding B10).
     */
    private static final String COPY_EXECUTIONS = """
            COPY (SELECT extract(epoch FROM date_trunc('minute', created_at))::int8, automation_id, status,
                         count(*), coalesce(sum(CASE WHEN jsonb_typeof(actions_executed) = 'array'
                             THEN jsonb_array_length(actions_executed) END), 0)::int8,
                         coalesce(sum(execution_time_ms), 0)::int8, count(execution_time_ms)
                    FROM <omni>.automation_logs WHERE created_at >= '<from>' AND created_at < '<to>'
                   GROUP BY 1, 2, 3) TO STDOUT (FORMAT binary)
            """;
    private static final int EXECUTION_COLUMNS = 7;
    /** The oldest row of Omni's two tables (least() skips a NULL: an empty table). */
    private static final String OLDEST_ROW = """
            SELECT least((SELECT min(received_at) FROM <omni>.omni_events),
                         (SELECT min(created_at) FROM <omni>.automation_logs))
            """;
    private static final String ESTIMATE_ROWS = """
            SELECT coalesce(sum(greatest(reltuples, 0)), 0)::int8 FROM pg_class
             WHERE oid IN (to_regclass(:events), to_regclass(:executions))
            """;

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

        /** Where the day starting at {@code day} ends for this run: its end, or the cutover within it. */
        public long dayEndMs(long day) {
            return Math.min((day + DAY) * 1000, cutover.toEpochMilli());
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
    public Plan plan(Instant cutover, Optional<Instant> from, Optional<Instant> to) {
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
        List<DayResult> done = new ArrayList<>();
        if (!dryRun) {
            database.withHandle(handle -> handle.createUpdate(DATE_PINS).execute());
        }
        // a dry run leaves undated pins as they are and must still honour them: it joins them too (slower)
        boolean undated = dryRun && database.withHandle(handle -> handle.createQuery(UNDATED_PINS)
                .mapTo(Boolean.class).one());
        boolean indexesDropped = !dryRun && InstanceIndexes.dropIfEmpty(database);
        ExecutorService days = Executors.newFixedThreadPool(parallelism,
                Thread.ofPlatform().name("backfill-", 0).daemon().factory());
        CompletionService<DayResult> finished =
                new ExecutorCompletionService<>(days);
        try {
            long next = plan.firstDay();
            int running = 0;
            while (running > 0 || (next < plan.endDay() && !stop.getAsBoolean())) {
                while (running < parallelism && next < plan.endDay() && !stop.getAsBoolean()) {
                    long day = next;
                    long toMs = plan.dayEndMs(day);
                    if (toMs == plan.cutover().toEpochMilli() && !awaitCutoverSettle(plan, stop, listener)) {
                        break;
                    }
                    finished.submit(() -> database.inTransaction(handle -> {
                        DayResult r = backfillDay(handle, day, toMs, undated);
                        if (dryRun) {
                            handle.rollback();
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
        } catch (ExecutionException e) {
            throw e.getCause() instanceof StoreException store ? store
                    : new StoreException("backfill failed: " + e.getCause().getMessage(), e.getCause());
        } finally {
            days.shutdownNow();
            if (indexesDropped) {
                awaitTermination(days);
                database.withHandle(handle -> {
                    InstanceIndexes.ensure(handle, database);
                    return null;
                });
            }
        }
    }

    /**
     * Waits a while for the days' threads to end (their transactions roll back when interrupted); the index build
     * that follows waits for whatever still holds the tables anyway.
     */
    private static void awaitTermination(ExecutorService days) {
        try {
            days.awaitTermination(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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

    private DayResult backfillDay(Handle handle, long day, long endMs, boolean undatedPins) {
        SeedPins.lockDay(handle, day);
        AutomationLocks.shared(handle);
        long minuteFloor = minuteFloor();
        boolean pinned = handle.createQuery(IS_PINNED).bind("day", day).mapTo(Boolean.class).findOne().orElse(false);
        RollupChanges changes = new RollupChanges(minuteFloor);
        takeBackOldDay(handle, day, changes);
        for (String table : DAY_TABLES) {
            handle.createUpdate(DELETE_DAY).define("table", table).bind("from", day).bind("to", day + DAY).execute();
        }
        Timestamps range = new Timestamps(day * 1000, endMs);
        long events = foldEvents(handle, day, range, minuteFloor, pinned, undatedPins, changes);
        long executions = aggregateExecutions(handle, range, changes);
        writer.writeFresh(handle, changes, Layer.BACKFILL);
        handle.createUpdate(DAY_DONE).bind("day", day).bind("rows", events + executions).execute();
        return new DayResult(day, events, executions);
    }

    /** The first minute kept per minute now: rows from it on are folded into minute rows too. */
    long minuteFloor() {
        return Grain.MINUTE.bucketOf(clock.instant().getEpochSecond() - minuteRetention.toSeconds());
    }

    /** Subtracts from the running totals what the previous backfill of this day added (its day rows). */
    private static void takeBackOldDay(Handle handle, long day, RollupChanges changes) {
        handle.createQuery(OLD_MESSAGE_DAY).bind("day", day).map((rs, ctx) -> {
            long[] values = new long[MessageCounter.COUNT];
            for (int i = 0; i < values.length; i++) {
                values[i] = rs.getLong(4 + i);
            }
            Map<String, Long> breakdowns = new HashMap<>();
            DimsJson.read(rs.getString(3)).forEach((key, n) -> breakdowns.put(key, -n));
            changes.add(new RollupKey(Grain.TOTAL, Scope.of(rs.getShort(1)), rs.getObject(2, UUID.class), 0),
                    MessageCounts.of(values).negated(), breakdowns);
            return true;
        }).forEach(row -> { });
        handle.createQuery(OLD_AUTOMATION_DAY).bind("day", day).map((rs, ctx) -> {
            changes.add(new RollupKey(Grain.TOTAL, Scope.of(rs.getShort(1)), rs.getObject(2, UUID.class), 0),
                    new AutomationCounts(rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getLong(6), rs.getLong(7),
                            rs.getLong(8), rs.getLong(9)).negated());
            return true;
        }).forEach(row -> { });
    }

    /**
     * One pass over the day's {@code omni_events} rows: streamed out of PostgreSQL with a binary {@code COPY},
     * folded in Java ({@link BackfillFold}) and written back with {@code COPY}; the day's share of the running
     * totals goes into {@code changes}. Each row counts with its pinned status, else — in a day pinned before — with
     * the status its event type inserts, else with the status it has now; a first run pins the rows whose status
     * differs from their event type's (see {@link SeedPins}), from the same read.
     */
    private long foldEvents(Handle handle, long day, Timestamps range, long minuteFloor, boolean pinned,
                            boolean undatedPins, RollupChanges changes) {
        // a day lost to a server crash right after its commit is redone by a re-run
        handle.execute(LOCAL_ASYNC_COMMIT);
        String sql = eventsCopy(day, range, pinned, undatedPins);
        BackfillFold fold = new BackfillFold(day, minuteFloor);
        StringBuilder pins = new StringBuilder();
        CopyBinaryReader reader = new CopyBinaryReader(COPY_COLUMNS);
        PgCopy.outBinary(handle, sql, reader, () -> foldRows(reader, fold, day, pins),
                "the COPY of the omni_events rows from " + range.from());
        PgCopy.in(handle, COPY_PINS.replace("<rollup>.seed_status", database.rollup("seed_status")), pins);
        writer.writeFold(handle, fold, Layer.BACKFILL);
        fold.addTotals(changes);
        return fold.rows();
    }

    /**
     * The COPY of a day's {@code omni_events} rows that {@link #foldRows} folds: {@link #COPY_PINNED_DAY} for a day
     * pinned before, else {@link #COPY_FIRST_RUN}. Package-visible for the benchmarks' fold floor, which reads the
     * rows this way too.
     */
    String eventsCopy(long day, Timestamps range, boolean pinned, boolean undatedPins) {
        return range.into(pinned ? COPY_PINNED_DAY : COPY_FIRST_RUN).replace("<inserted>", INSERTED_STATUS)
                .replace("<omni>.omni_events", database.omni("omni_events"))
                .replace("<rollup>.seed_status", database.rollup("seed_status"))
                .replace("<pins of the day>", undatedPins ? "(p.day = " + day + " OR p.day IS NULL)"
                        : "p.day = " + day);
    }

    /**
     * Folds the rows of the reader's current message (the columns of {@link #COPY_FIRST_RUN}); a row to pin goes to
     * {@code pins}. The loop and the row are one method, which the JIT compiles once: as two, each became hot on its
     * own and C2 compiled the row twice, once alone and once inlined into the loop (B10). Package-visible for the
     * benchmarks' fold floor, which folds with this very loop.
     */
    static void foldRows(CopyBinaryReader reader, BackfillFold fold, long day, StringBuilder pins) {
        while (reader.nextRow()) {
            long second = Math.floorDiv(reader.timestampMicros(), 1_000_000);
            int instance = reader.nullField() ? CopyBinaryReader.NULL
                    : fold.instance(reader.uuidHigh(), reader.uuidLow());
            int channel = notNull(reader.text(fold.channels.texts), "omni_events.channel");
            int direction = notNull(reader.text(fold.directions.texts), "omni_events.direction");
            int eventType = notNull(reader.text(fold.eventTypes.texts), "omni_events.event_type");
            int contentType = reader.text(fold.contentTypes.texts);
            int errorStage = reader.text(fold.errorStages.texts);
            int status = notNull(reader.text(fold.statuses.texts), "omni_events.status");
            boolean hasProcessing = !reader.nullField();
            long processing = hasProcessing ? reader.int4() : 0;
            boolean hasAgent = !reader.nullField();
            long agent = hasAgent ? reader.int4() : 0;
            if (!reader.nullField()) {
                pins.append(new UUID(reader.uuidHigh(), reader.uuidLow())).append('\t')
                        .append(PgCopy.text(fold.statuses.texts.string(status))).append('\t').append(day)
                        .append('\n');
            }
            fold.add(second, instance, channel, direction, eventType, contentType, errorStage, status,
                    hasProcessing, processing, hasAgent, agent);
        }
    }

    private static int notNull(int text, String column) {
        if (text == CopyBinaryReader.NULL) {
            throw new IllegalStateException(column + " is NULL in a row; Omni's schema declares it NOT NULL");
        }
        return text;
    }

    /** Adds the day's executions to {@code changes}; returns the {@code automation_logs} rows they count. */
    private long aggregateExecutions(Handle handle, Timestamps range, RollupChanges changes) {
        String sql = range.into(COPY_EXECUTIONS).replace("<omni>.automation_logs", database.omni("automation_logs"));
        CopyBinaryReader reader = new CopyBinaryReader(EXECUTION_COLUMNS);
        CopyBinaryReader.Texts statuses = new CopyBinaryReader.Texts();
        long[] rows = new long[1];
        PgCopy.outBinary(handle, sql, reader, () -> {
            while (reader.nextRow()) {
                long minute = reader.int8();
                UUID automation = new UUID(reader.uuidHigh(), reader.uuidLow());
                String status = statuses.string(notNull(reader.text(statuses), "automation_logs.status"));
                long n = reader.int8();
                changes.addExecutions(minute, automation,
                        AutomationCounts.of(status, n, reader.int8(), reader.int8(), reader.int8()));
                rows[0] += n;
            }
        }, "the COPY of the automation_logs rows from " + range.from());
        return rows[0];
    }

    private Instant oldestRow() {
        Optional<LocalDateTime> oldest = database.withHandle(handle -> handle.createQuery(OLDEST_ROW)
                .mapTo(LocalDateTime.class).findOne());
        Instant now = clock.instant();
        return oldest.map(min -> min.toInstant(ZoneOffset.UTC)).filter(min -> min.isBefore(now)).orElse(now);
    }

    private long estimateRows() {
        return database.withHandle(handle -> handle.createQuery(ESTIMATE_ROWS)
                .bind("events", database.omni("omni_events")).bind("executions", database.omni("automation_logs"))
                .mapTo(Long.class).one());
    }

    /** A {@code [from, to)} range as the UTC wall-clock values Omni's timestamp columns hold. */
    record Timestamps(LocalDateTime from, LocalDateTime to) {
        Timestamps(long fromMs, long toMs) {
            this(utc(fromMs), utc(toMs));
        }

        static LocalDateTime utc(long epochMs) {
            return LocalDateTime.ofInstant(Instant.ofEpochMilli(epochMs), ZoneOffset.UTC);
        }

        /** A COPY statement with the range as its {@code '<from>'} and {@code '<to>'} literals (COPY takes no bind). */
        String into(String copy) {
            return copy.replace("<from>", from.toString()).replace("<to>", to.toString());
        }
    }
}
