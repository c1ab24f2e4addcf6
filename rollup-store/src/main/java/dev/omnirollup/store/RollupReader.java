package dev.omnirollup.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.omnirollup.store.BucketPlan.Segment;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * Answers questions about windows of time from the rollups alone, reading a number of rows bounded by the
 * {@link BucketPlan} (never Omni's tables, never all of history except through the running totals), each endpoint's
 * questions in one statement ({@link MessageRead}). Keeps the decoded breakdowns of the rows it read, by version,
 * so a repeated question reads only the rows' counters. Thread-safe.
 */
public final class RollupReader {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DAY = Duration.ofHours(24);
    private static final Duration WEEK = Duration.ofDays(7);
    private static final Duration HOUR = Duration.ofHours(1);
    /**
     * A partitioned ingest keeps a row per partition ({@code STREAM#p}, {@link Partitioning#named}); a stream's
     * progress is their newest.
     */
    private static final String PROGRESS = """
            SELECT split_part(stream, '#', 1), max(last_seq), max(last_event_ms), max(last_applied_ms)
              FROM <rollup>.ingest_progress GROUP BY 1 ORDER BY 1
            """;
    /**
     * The running totals of every automation, the failures of the recent runs (minutes, hours, days, hours, minutes,
     * as {@link MessageRead} plans them) and the queue snapshots, in one statement.
     */
    private static final String AUTOMATION = """
            SELECT coalesce(sum(t.executions), 0), coalesce(sum(t.success), 0), coalesce(sum(t.failed), 0),
                   coalesce(sum(t.skipped), 0), coalesce(sum(t.actions), 0), coalesce(sum(t.exec_sum), 0),
                   coalesce(sum(t.exec_count), 0),
                   (SELECT coalesce(sum(f.failed), 0) FROM (
                       SELECT failed FROM <rollup>.auto_minute WHERE scope = 0 AND bucket >= :from0 AND bucket < :to0
                       UNION ALL
                       SELECT failed FROM <rollup>.auto_hour WHERE scope = 0 AND bucket >= :from1 AND bucket < :to1
                       UNION ALL
                       SELECT failed FROM <rollup>.auto_day WHERE scope = 0 AND bucket >= :from2 AND bucket < :to2
                       UNION ALL
                       SELECT failed FROM <rollup>.auto_hour WHERE scope = 0 AND bucket >= :from3 AND bucket < :to3
                       UNION ALL
                       SELECT failed FROM <rollup>.auto_minute WHERE scope = 0 AND bucket >= :from4 AND bucket < :to4
                   ) AS f),
                   (SELECT json_agg(json_build_array(q.instance_key, q.active_count, q.pending_count, q.observed_ms)
                                    ORDER BY q.instance_key)::text FROM <rollup>.automation_queue AS q)
              FROM <rollup>.auto_total AS t WHERE t.scope = 0
            """;

    private final RollupDatabase database;
    private final Duration minuteHorizon;
    private final BreakdownKeys dictionary = new BreakdownKeys();
    private final BreakdownCache breakdowns;

    /**
     * @param minuteHorizon how far back minute buckets are read (must be shorter than their retention)
     */
    public RollupReader(RollupDatabase database, Duration minuteHorizon) {
        this(database, minuteHorizon, 4_000_000);
    }

    /** @param cachedCounts decoded breakdown counts kept at most (about 12 bytes each) */
    RollupReader(RollupDatabase database, Duration minuteHorizon, long cachedCounts) {
        this.database = database;
        this.minuteHorizon = minuteHorizon;
        this.breakdowns = new BreakdownCache(cachedCounts);
    }

    /**
     * The rows in the buckets the window {@code [start, end]} counts (no upper bound when {@code end} is empty; see
     * docs/windows.md).
     *
     * @param timeline {@link Grain#HOUR} or {@link Grain#DAY} to get a timeline of that grain
     */
    public WindowReport window(Instant start, Optional<Instant> end, Optional<UUID> instance,
                               Optional<Grain> timeline, Instant now) {
        return database.withHandle(handle -> window(handle, start, end, instance, timeline, now, instance.isEmpty()));
    }

    WindowReport window(Handle handle, Instant start, Optional<Instant> end, Optional<UUID> instance,
                        Optional<Grain> timeline, Instant now, boolean withInstances) {
        TimeWindow span = TimeWindow.of(start, end);
        // an hourly timeline needs hours inside the window: then counts and breakdowns come from those rows too
        List<Segment> plan = plan(span, now, timeline.orElse(Grain.DAY));
        if (plan.isEmpty()) {
            return timeline.isEmpty() ? WindowReport.EMPTY : WindowReport.EMPTY.withTimeline(List.of());
        }
        return read().report(plan, instance, withInstances, timeline).run(handle).reports().getFirst();
    }

    /** Every row ever counted, optionally for one instance, from the running totals (plus a timeline if asked). */
    public WindowReport allTime(Optional<UUID> instance, Optional<Grain> timeline) {
        return database.withHandle(handle -> {
            MessageRead read = read().report(MessageRead.TOTAL_PLAN, instance, instance.isEmpty());
            timeline.ifPresent(grain -> read.timeline(List.of(new Segment(grain, Long.MIN_VALUE, BucketPlan.OPEN)),
                    instance, grain));
            MessageRead.Answers answers = read.run(handle);
            WindowReport report = answers.reports().getFirst();
            return timeline.isEmpty() ? report : report.withTimeline(answers.timeline());
        });
    }

    /**
     * What {@code /event-ops/metrics} reads, in one statement: every row ever counted (no per-instance map) and the
     * rows since {@code now} minus 24 hours, 7 days and 1 hour.
     *
     * @param windows the counts since {@code now - 24h}, {@code now - 7d} and {@code now - 1h}, in that order
     */
    public record Metrics(WindowReport totals, long[] windows) {
    }

    public Metrics metrics(Instant now) {
        return database.withHandle(handle -> {
            MessageRead.Answers answers = read().report(MessageRead.TOTAL_PLAN, Optional.empty(), false)
                    .count(plan(TimeWindow.from(now.minus(DAY)), now, Grain.DAY))
                    .count(plan(TimeWindow.from(now.minus(WEEK)), now, Grain.DAY))
                    .count(plan(TimeWindow.from(now.minus(HOUR)), now, Grain.DAY))
                    .run(handle);
            return new Metrics(answers.reports().getFirst(), answers.counts());
        });
    }

    /**
     * What {@code /dashboard} reads of the message rollups, in one statement: every row ever counted, the rows since
     * {@code now - 24h} with an hourly timeline (no per-instance maps), and the count since {@code now - 1h}.
     */
    public record Summary(WindowReport totals, WindowReport lastDay, long lastHour) {
    }

    public Summary summary(Instant now) {
        return database.withHandle(handle -> {
            MessageRead.Answers answers = read().report(MessageRead.TOTAL_PLAN, Optional.empty(), false)
                    .report(plan(TimeWindow.from(now.minus(DAY)), now, Grain.HOUR), Optional.empty(), false,
                            Optional.of(Grain.HOUR))
                    .count(plan(TimeWindow.from(now.minus(HOUR)), now, Grain.DAY))
                    .run(handle);
            return new Summary(answers.reports().get(0), answers.reports().get(1), answers.counts()[0]);
        });
    }

    /** Automation executions all time and failures since {@code now - 24h} (edge widened to its bucket). */
    public AutomationReport automation(Instant now) {
        return database.withHandle(handle -> {
            List<Segment> runs = MessageRead.runs(BucketPlan.of(TimeWindow.from(now.minus(DAY)), now.toEpochMilli(),
                    minuteHorizon, Grain.DAY));
            var query = handle.createQuery(AUTOMATION);
            MessageRead.bindRuns(query, "", runs);
            return query.map((rs, ctx) -> {
                List<AutomationReport.QueueRow> queues = new ArrayList<>();
                String queued = rs.getString(9);
                if (queued != null) {
                    try {
                        for (JsonNode row : JSON.readTree(queued)) {
                            queues.add(new AutomationReport.QueueRow(row.get(0).asText(), row.get(1).asInt(),
                                    row.get(2).asInt(), row.get(3).asLong()));
                        }
                    } catch (JsonProcessingException e) {
                        throw new StoreException("unreadable queue snapshots: " + e.getOriginalMessage(), e);
                    }
                }
                return new AutomationReport(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5),
                        rs.getLong(6), rs.getLong(7), rs.getLong(8), queues);
            }).one();
        });
    }

    /** How far the ingest has got on a stream. */
    public record Progress(String stream, long lastSeq, long lastEventMs, long lastAppliedMs) {
    }

    public List<Progress> progress() {
        return database.withHandle(handle -> handle.createQuery(PROGRESS)
                .map((rs, ctx) -> new Progress(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4))).list());
    }

    /** The message rows a window reads (the automation failures read {@link BucketPlan#of}'s, all added). */
    private List<Segment> plan(TimeWindow window, Instant now, Grain coarsest) {
        return BucketPlan.fewestRows(window, now.toEpochMilli(), minuteHorizon, coarsest);
    }

    private MessageRead read() {
        return new MessageRead(breakdowns, dictionary);
    }
}
