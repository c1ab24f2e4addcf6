package dev.omnirollup.store;

import dev.omnirollup.store.DayFigures.Difference;
import dev.omnirollup.store.DayFigures.Executions;
import dev.omnirollup.store.DayFigures.Latencies;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.jdbi.v3.core.Handle;

/**
 * Checks the rollups against Omni's tables, a UTC day at a time: the day's figures asked of {@code omni_events} and
 * {@code automation_logs} with the dashboard's own kind of SQL (aggregates grouped in PostgreSQL over the day's rows,
 * found through the {@code received_at} / {@code created_at} indexes), and the same figures read from the rollups
 * (both layers), compared figure by figure. Online: plain reads, one day per statement, nothing but aggregates ever
 * reaches memory; ingest, API and backfill keep running. {@link #repair} re-runs backfill for the differing days
 * before the cutover and checks them again. Thread-safe.
 *
 * <p>What counts as Omni's answer follows upstream's persistence after {@code ON DELETE SET NULL}: an instance deleted
 * from Omni's {@code instances} table leaves its rows in the totals but not in the per-instance map, so both sides'
 * maps keep only instances that still exist, and a check restricted to a deleted instance compares zeros (as the
 * API answers for it).
 */
public final class Verify {
    private static final long DAY = Grain.DAY.seconds();
    /** Upstream's figures of a day in one pass: the counters and every breakdown as grouping sets. */
    private static final String OMNI_DAY_SELECT = """
            SELECT grouping(e.channel, e.content_type, e.error_stage, e.event_type, e.instance_id,
                            date_trunc('hour', e.received_at)),
                   e.channel, e.content_type, e.error_stage, e.event_type, e.instance_id,
                   extract(epoch FROM date_trunc('hour', e.received_at))::int8, count(*),
                   count(*) FILTER (WHERE e.status = 'completed'), count(*) FILTER (WHERE e.status = 'failed'),
                   count(*) FILTER (WHERE e.status = 'pending'), count(*) FILTER (WHERE e.direction = 'inbound'),
                   count(*) FILTER (WHERE e.direction = 'outbound'),
                   coalesce(sum(e.processing_time_ms), 0), count(e.processing_time_ms),
                   coalesce(sum(e.agent_latency_ms), 0), count(e.agent_latency_ms)
              FROM <omni>.omni_events AS e WHERE e.received_at >= :from AND e.received_at < :to
            """;
    private static final String OMNI_DAY_GROUPS = """
             GROUP BY GROUPING SETS ((), (e.channel), (e.content_type), (e.error_stage), (e.event_type),
                                     (e.instance_id), (date_trunc('hour', e.received_at)))
            """;
    private static final String OMNI_DAY = OMNI_DAY_SELECT + OMNI_DAY_GROUPS;
    /** As {@link #OMNI_DAY}, for one instance. */
    private static final String OMNI_DAY_OF_INSTANCE = OMNI_DAY_SELECT + "   AND e.instance_id = :instance\n"
            + OMNI_DAY_GROUPS;
    private static final String OMNI_EXECUTIONS = """
            SELECT count(*), count(*) FILTER (WHERE status = 'success'), count(*) FILTER (WHERE status = 'failed'),
                   count(*) FILTER (WHERE status = 'skipped'),
                   coalesce(sum(CASE WHEN jsonb_typeof(actions_executed) = 'array'
                       THEN jsonb_array_length(actions_executed) END), 0),
                   coalesce(sum(execution_time_ms), 0), count(execution_time_ms)
              FROM <omni>.automation_logs WHERE created_at >= :from AND created_at < :to
            """;
    private static final String INSTANCES = "SELECT id FROM <omni>.instances";
    private static final String ROLLUP_EXECUTIONS = """
            SELECT coalesce(sum(executions), 0), coalesce(sum(success), 0), coalesce(sum(failed), 0),
                   coalesce(sum(skipped), 0), coalesce(sum(actions), 0), coalesce(sum(exec_sum), 0),
                   coalesce(sum(exec_count), 0)
              FROM (SELECT * FROM <rollup>.auto_day WHERE scope = 0 AND bucket >= :day_from AND bucket < :day_to
                    UNION ALL
                    SELECT * FROM <rollup>.auto_hour WHERE scope = 0 AND bucket >= :hour_from AND bucket < :hour_to
                    UNION ALL
                    SELECT * FROM <rollup>.auto_minute WHERE scope = 0 AND bucket >= :minute_from
                       AND bucket < :minute_to) AS r
            """;
    /** The oldest row of Omni's tables and of the rollups' days, in epoch seconds (least() skips NULLs). */
    private static final String OLDEST = """
            SELECT least((SELECT floor(extract(epoch FROM min(received_at)))::int8 FROM <omni>.omni_events),
                         (SELECT floor(extract(epoch FROM min(created_at)))::int8 FROM <omni>.automation_logs),
                         (SELECT min(bucket) FROM <rollup>.msg_day WHERE scope = 0),
                         (SELECT min(bucket) FROM <rollup>.auto_day WHERE scope = 0))
            """;
    /** The longest settle time: a range ending inside a day ends at most this long before now. */
    public static final Duration MAX_SETTLE = Duration.ofDays(1);

    private final RollupDatabase database;
    private final RollupReader reader;
    private final InstantSource clock;
    private final int parallelism;

    /**
     * @param minuteHorizon how far back minute buckets are read (the API's horizon, shorter than their retention)
     * @param parallelism   days checked at once, each on its own connection
     */
    public Verify(RollupDatabase database, InstantSource clock, Duration minuteHorizon, int parallelism) {
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be >= 1, got " + parallelism);
        }
        if (minuteHorizon.compareTo(MAX_SETTLE.plusHours(1)) < 0) {
            throw new IllegalArgumentException("the minute horizon must cover the settle time, got " + minuteHorizon);
        }
        this.database = database;
        this.reader = new RollupReader(database, minuteHorizon);
        this.clock = clock;
        this.parallelism = parallelism;
    }

    /** Where a day lies relative to the cutover, which decides who wrote its rollups and whether repair can redo it. */
    public enum Owner {
        /** Entirely before the cutover: backfill wrote it (plus live receipts for its messages); repair redoes it. */
        BACKFILL,
        /** Holds the cutover: backfill wrote the part before it, the live ingest the rest; repair redoes the first. */
        CUTOVER,
        /** At or after the cutover: the live ingest's alone, which Omni's tables cannot rebuild. */
        LIVE;

        /** The layer of {@code [day, day + 1 day)}; without a cutover nothing is live yet. */
        static Owner of(long day, Optional<Instant> cutover) {
            if (cutover.isEmpty()) {
                return BACKFILL;
            }
            long cut = cutover.get().toEpochMilli();
            if ((day + DAY) * 1000 <= cut) {
                return BACKFILL;
            }
            return day * 1000 < cut ? CUTOVER : LIVE;
        }
    }

    /** The days {@code [firstDay, end)} a run checks, a UTC day at a time; {@code end} is aligned to the minute. */
    public record Range(long firstDay, Instant end) {
        public long days() {
            long endSecond = end.getEpochSecond();
            return endSecond <= firstDay ? 0 : (Grain.DAY.ceil(endSecond) - firstDay) / DAY;
        }

        /** Where the check of {@code day} ends: the next midnight or the range's end. */
        public Instant endOf(long day) {
            Instant midnight = Instant.ofEpochSecond(day + DAY);
            return midnight.isBefore(end) ? midnight : end;
        }
    }

    /**
     * The outcome of one day: both sides' figures and how they differ.
     *
     * @param end where the checked span ends (the next midnight, or earlier for the range's last day)
     */
    public record DayCheck(long day, Instant end, Owner owner, DayFigures rollups, DayFigures omni,
                           List<Difference> differences) {
        public DayCheck {
            differences = List.copyOf(differences);
        }

        public boolean ok() {
            return differences.isEmpty();
        }

        public LocalDate date() {
            return LocalDate.ofInstant(Instant.ofEpochSecond(day), ZoneOffset.UTC);
        }

        /** Whether the span is a whole day (else it stops at the range's end). */
        public boolean wholeDay() {
            return end.getEpochSecond() == day + DAY;
        }
    }

    /** What repair did for one differing day. */
    public record Repair(DayCheck before, Optional<DayCheck> after) {
        /** False for a day at or after the cutover, which only the live ingest writes. */
        public boolean backfilled() {
            return after.isPresent();
        }

        /** Backfilled and equal to Omni's figures afterwards. */
        public boolean repaired() {
            return after.map(DayCheck::ok).orElse(false);
        }
    }

    /** Receives each day's check in day order, on the caller's thread. */
    @FunctionalInterface
    public interface Listener {
        void dayChecked(Range range, DayCheck check);
    }

    /**
     * The range of a run: {@code from} widened to the start of its UTC day (default: the oldest row of Omni's tables
     * or of the rollups), up to {@code to} widened to the end of its UTC day (default: open), and never later than
     * {@code now - settle} floored to the minute, so that the minutes the live ingest may not have applied yet stay
     * out.
     *
     * @throws IllegalArgumentException when nothing is left between the start and the end
     */
    public Range range(Optional<Instant> from, Optional<Instant> to, Duration settle) {
        if (settle.isNegative() || settle.compareTo(MAX_SETTLE) > 0) {
            throw new IllegalArgumentException("the settle time must be between 0 and " + MAX_SETTLE.toHours()
                    + "h, got " + settle);
        }
        long settled = Grain.MINUTE.bucketOf(clock.instant().minus(settle).getEpochSecond());
        long endSecond = to.map(t -> Math.min(Grain.DAY.ceil(t.getEpochSecond()), settled)).orElse(settled);
        Instant end = Instant.ofEpochSecond(endSecond);
        if (from.isPresent()) {
            long firstDay = Grain.DAY.bucketOf(from.get().getEpochSecond());
            if (firstDay >= endSecond) {
                throw new IllegalArgumentException("--from " + from.get() + " is not before " + end
                        + (to.isPresent() && Grain.DAY.ceil(to.get().getEpochSecond()) <= settled ? ""
                        : " (now minus the settle time " + settle.toSeconds() + "s, floored to the minute)"));
            }
            return new Range(firstDay, end);
        }
        Optional<Instant> oldest = oldest();
        long firstDay = Grain.DAY.bucketOf(oldest.orElse(end).getEpochSecond());
        return new Range(Math.min(firstDay, Grain.DAY.bucketOf(endSecond)), end);
    }

    /** The recorded cutover, if any. */
    public Optional<Instant> cutover() {
        return database.cutover();
    }

    /** Whether Omni's {@code instances} table has this instance. */
    public boolean instanceExists(UUID instance) {
        return database.withHandle(handle -> existingInstances(handle).contains(instance));
    }

    /**
     * Checks every day of the range, oldest first, {@code parallelism} days at a time; {@code listener} hears of each
     * in day order. {@code stop} is checked before each day starts.
     *
     * @param instance restrict both sides to one instance (and leave out the automation executions, which have none)
     * @return the days checked, in day order
     * @throws StoreException when a query fails
     */
    public List<DayCheck> run(Range range, Optional<UUID> instance, BooleanSupplier stop, Listener listener) {
        Optional<Instant> cutover = cutover();
        List<DayCheck> done = new ArrayList<>();
        ExecutorService days = Executors.newFixedThreadPool(parallelism,
                Thread.ofPlatform().name("verify-", 0).daemon().factory());
        try {
            ArrayDeque<Future<DayCheck>> running = new ArrayDeque<>();
            long next = range.firstDay();
            long end = range.end().getEpochSecond();
            while (true) {
                while (running.size() < parallelism && next < end && !stop.getAsBoolean()) {
                    long day = next;
                    running.add(days.submit(() -> check(day, range.endOf(day), instance, cutover)));
                    next += DAY;
                }
                if (running.isEmpty()) {
                    return done;
                }
                DayCheck check = running.poll().get();
                done.add(check);
                listener.dayChecked(range, check);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("verify interrupted", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof StoreException store ? store
                    : new StoreException("verify failed: " + e.getCause().getMessage(), e.getCause());
        } finally {
            days.shutdownNow();
        }
    }

    /**
     * Checks {@code [day, end)}: Omni's figures, then the rollups' (both layers). The latency sums are compared for
     * days entirely before the cutover only: no live event carries latencies, while Omni may fill them in later.
     */
    public DayCheck check(long day, Instant end, Optional<UUID> instance, Optional<Instant> cutover) {
        if (!Grain.MINUTE.isAligned(end.getEpochSecond()) || end.getNano() != 0 || !Grain.DAY.isAligned(day)
                || end.getEpochSecond() <= day || end.getEpochSecond() > day + DAY) {
            throw new IllegalArgumentException("a check spans a UTC day or its start up to a minute, got " + day
                    + ".." + end);
        }
        Owner owner = Owner.of(day, cutover);
        Instant now = clock.instant();
        return database.withHandle(handle -> {
            Set<UUID> existing = existingInstances(handle);
            DayFigures omni = omniFigures(handle, day, end, instance).onlyInstances(existing);
            DayFigures rollups = instance.isPresent() && !existing.contains(instance.get())
                    // the API answers zeros for a deleted instance, as upstream's filter finds no row for it
                    ? DayFigures.empty(Optional.empty())
                    : rollupFigures(handle, day, end, instance, now).onlyInstances(existing);
            return new DayCheck(day, end, owner, rollups, omni,
                    DayFigures.differences(rollups, omni, owner == Owner.BACKFILL));
        });
    }

    /**
     * Re-runs backfill for each differing day that has a part before the cutover (all of it, or up to the cutover
     * for the cutover's day), then checks the whole day again; days at or after the cutover are left alone. Days with
     * no drift are skipped. {@code stop} is checked before each day.
     */
    public List<Repair> repair(List<DayCheck> checks, Backfill backfill, Instant cutover, Optional<UUID> instance,
                               BooleanSupplier stop, Consumer<Repair> listener) {
        List<Repair> repairs = new ArrayList<>();
        for (DayCheck before : checks) {
            if (before.ok()) {
                continue;
            }
            if (stop.getAsBoolean()) {
                break;
            }
            Repair repair;
            if (Owner.of(before.day(), Optional.of(cutover)) == Owner.LIVE) {
                repair = new Repair(before, Optional.empty());
            } else {
                Instant start = Instant.ofEpochSecond(before.day());
                backfill.run(backfill.plan(cutover, Optional.of(start), Optional.of(start.plusSeconds(DAY))), false,
                        () -> false, (plan, result) -> { });
                repair = new Repair(before, Optional.of(check(before.day(), before.end(), instance,
                        Optional.of(cutover))));
            }
            repairs.add(repair);
            listener.accept(repair);
        }
        return repairs;
    }

    // ---------------------------------------------------------------- Omni's side

    /**
     * One statement for the messages: the counters and every breakdown as grouping sets of one pass over the day's
     * rows (the same figures as upstream's separate {@code GROUP BY}s); one for the executions.
     */
    private static DayFigures omniFigures(Handle handle, long day, Instant end, Optional<UUID> instance) {
        long[] counters = new long[6];
        long[] latencies = new long[4];
        Map<String, Long> channels = new HashMap<>();
        Map<String, Long> contentTypes = new HashMap<>();
        Map<String, Long> errorStages = new HashMap<>();
        Map<String, Long> eventTypes = new HashMap<>();
        Map<UUID, Long> instances = new HashMap<>();
        Map<Long, Long> hours = new HashMap<>();
        var query = handle.createQuery(instance.isPresent() ? OMNI_DAY_OF_INSTANCE : OMNI_DAY)
                .bind("from", utc(day)).bind("to", utc(end.getEpochSecond()));
        instance.ifPresent(id -> query.bind("instance", id));
        query.map((rs, ctx) -> {
            int grouping = rs.getInt(1);
            long n = rs.getLong(8);
            // grouping(a, …, f) has a 1 bit for each argument the row is NOT grouped by, a first
            switch (grouping) {
                case 0b111111 -> {
                    for (int i = 0; i < counters.length; i++) {
                        counters[i] = rs.getLong(8 + i);
                    }
                    for (int i = 0; i < latencies.length; i++) {
                        latencies[i] = rs.getLong(14 + i);
                    }
                }
                case 0b011111 -> channels.put(rs.getString(2), n);
                case 0b101111 -> putUnlessNull(contentTypes, rs.getString(3), n);
                case 0b110111 -> putUnlessNull(errorStages, rs.getString(4), n);
                case 0b111011 -> eventTypes.put(rs.getString(5), n);
                case 0b111101 -> {
                    if (instance.isEmpty()) {
                        putUnlessNull(instances, rs.getObject(6, UUID.class), n);
                    }
                }
                case 0b111110 -> hours.put(rs.getLong(7), n);
                default -> throw new IllegalStateException("unexpected grouping " + grouping);
            }
            return true;
        }).forEach(row -> { });
        Optional<Executions> executions = instance.isPresent() ? Optional.empty() : Optional.of(handle
                .createQuery(OMNI_EXECUTIONS).bind("from", utc(day)).bind("to", utc(end.getEpochSecond()))
                .map((rs, ctx) -> new Executions(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4),
                        rs.getLong(5), rs.getLong(6), rs.getLong(7)))
                .one());
        return new DayFigures(counters[0], counters[1], counters[2], counters[3], counters[4], counters[5],
                new Latencies(latencies[0], latencies[1], latencies[2], latencies[3]), channels, contentTypes,
                errorStages, eventTypes, instances, hours, executions);
    }

    private static Set<UUID> existingInstances(Handle handle) {
        return new HashSet<>(handle.createQuery(INSTANCES).mapTo(UUID.class).list());
    }

    // ---------------------------------------------------------------- the rollups' side

    /** What the API's window read answers for {@code [day, end)}, plus the executions of the same buckets. */
    private DayFigures rollupFigures(Handle handle, long day, Instant end, Optional<UUID> instance, Instant now) {
        // the counters and breakdowns from the fewest rows (the day row for a whole day), the hours from the hour
        // rows: damage to either shows
        WindowReport report = reader.window(handle, Instant.ofEpochSecond(day), Optional.of(end.minusMillis(1)),
                instance, Optional.empty(), now, instance.isEmpty());
        WindowReport hourly = reader.window(handle, Instant.ofEpochSecond(day), Optional.of(end.minusMillis(1)),
                instance, Optional.of(Grain.HOUR), now, false);
        MessageCounts counts = report.counts();
        Map<Long, Long> hours = new HashMap<>();
        hourly.timeline().forEach(point -> hours.merge(point.bucketSecond(), point.count(), Long::sum));
        Optional<Executions> executions = instance.isPresent() ? Optional.empty()
                : Optional.of(rollupExecutions(handle, day, end));
        return new DayFigures(counts.total(), counts.completed(), counts.failed(), counts.pending(), counts.inbound(),
                counts.outbound(), new Latencies(counts.procSum(), counts.procCount(), counts.agentSum(),
                counts.agentCount()), report.channels(), report.contentTypes(), report.errorStages(),
                report.eventTypes(), report.instances(), hours, executions);
    }

    /**
     * The automation rows of every automation (scope 0) over {@code [day, end)}: the day row for a whole day, else the
     * day's whole hours and the minutes after them — the buckets the window read uses for messages, since a span
     * ending inside a day ends at most a day before now ({@link #range}), well inside the minute horizon. Spans not
     * used are empty.
     */
    private static Executions rollupExecutions(Handle handle, long day, Instant end) {
        long endSecond = end.getEpochSecond();
        boolean wholeDay = endSecond == day + DAY;
        long hours = Grain.HOUR.bucketOf(endSecond);
        return handle.createQuery(ROLLUP_EXECUTIONS)
                .bind("day_from", day).bind("day_to", wholeDay ? endSecond : day)
                .bind("hour_from", day).bind("hour_to", wholeDay ? day : hours)
                .bind("minute_from", hours).bind("minute_to", wholeDay ? hours : endSecond)
                .map((rs, ctx) -> new Executions(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4),
                        rs.getLong(5), rs.getLong(6), rs.getLong(7)))
                .one();
    }

    /** The oldest row of Omni's tables or of the rollups (all through an index), if any. */
    private Optional<Instant> oldest() {
        return database.withHandle(handle -> handle.createQuery(OLDEST).mapTo(Long.class).findOne())
                .map(Instant::ofEpochSecond);
    }

    private static <K> void putUnlessNull(Map<K, Long> map, K key, long n) {
        if (key != null) {
            map.put(key, n);
        }
    }

    /** An epoch second as the UTC wall-clock value Omni's timestamp columns hold. */
    private static LocalDateTime utc(long epochSecond) {
        return LocalDateTime.ofEpochSecond(epochSecond, 0, ZoneOffset.UTC);
    }
}
