package dev.omnirollup.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.omnirollup.store.BucketPlan.Segment;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

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
        return database.withConnection(c -> window(c, start, end, instance, timeline, now, instance.isEmpty()));
    }

    /** As {@link #window(Instant, Optional, Optional, Optional, Instant)}, without the per-instance map. */
    public WindowReport windowSummary(Instant start, Optional<Instant> end, Optional<Grain> timeline, Instant now) {
        return database.withConnection(c -> window(c, start, end, Optional.empty(), timeline, now, false));
    }

    WindowReport window(Connection c, Instant start, Optional<Instant> end, Optional<UUID> instance,
                        Optional<Grain> timeline, Instant now, boolean withInstances) throws SQLException {
        TimeWindow span = TimeWindow.of(start, end);
        // an hourly timeline needs hours inside the window: then counts and breakdowns come from those rows too
        List<Segment> plan = plan(span, now, timeline.orElse(Grain.DAY));
        return read().report(plan, instance, withInstances, timeline).run(c).reports().getFirst();
    }

    /** Every row ever counted, optionally for one instance, from the running totals (plus a timeline if asked). */
    public WindowReport allTime(Optional<UUID> instance, Optional<Grain> timeline) {
        return database.withConnection(c -> allTime(c, instance, timeline));
    }

    WindowReport allTime(Connection c, Optional<UUID> instance, Optional<Grain> timeline) throws SQLException {
        MessageRead read = read().report(TOTAL, instance, instance.isEmpty());
        timeline.ifPresent(grain -> read.timeline(List.of(new Segment(grain, Long.MIN_VALUE, BucketPlan.OPEN)),
                instance, grain));
        MessageRead.Answers answers = read.run(c);
        WindowReport report = answers.reports().getFirst();
        return timeline.isEmpty() ? report : report.withTimeline(answers.timeline());
    }

    /** Every row ever counted over all instances, without the per-instance map. */
    public WindowReport totals() {
        return database.withConnection(c -> read().report(TOTAL, Optional.empty(), false).run(c).reports().getFirst());
    }

    /**
     * For each {@code since}, the rows with {@code received_at >= since} over all instances (no upper bound), edge
     * widened to its bucket; one statement for all of them.
     */
    public long[] countsSince(List<Instant> sinces, Instant now) {
        return database.withConnection(c -> {
            MessageRead read = read();
            for (Instant since : sinces) {
                read.count(plan(TimeWindow.from(since), now, Grain.DAY));
            }
            return read.run(c).counts();
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
        return database.withConnection(c -> {
            MessageRead.Answers answers = read().report(TOTAL, Optional.empty(), false)
                    .count(plan(TimeWindow.from(now.minus(DAY)), now, Grain.DAY))
                    .count(plan(TimeWindow.from(now.minus(WEEK)), now, Grain.DAY))
                    .count(plan(TimeWindow.from(now.minus(HOUR)), now, Grain.DAY))
                    .run(c);
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
        return database.withConnection(c -> {
            MessageRead.Answers answers = read().report(TOTAL, Optional.empty(), false)
                    .report(plan(TimeWindow.from(now.minus(DAY)), now, Grain.HOUR), Optional.empty(), false,
                            Optional.of(Grain.HOUR))
                    .count(plan(TimeWindow.from(now.minus(HOUR)), now, Grain.DAY))
                    .run(c);
            return new Summary(answers.reports().get(0), answers.reports().get(1), answers.counts()[0]);
        });
    }

    /** Automation executions all time and failures since {@code now - 24h} (edge widened to its bucket). */
    public AutomationReport automation(Instant now) {
        return database.withConnection(c -> automation(c, now));
    }

    /** One statement: the running totals of every automation, the recent failures, the queue snapshots. */
    AutomationReport automation(Connection c, Instant now) throws SQLException {
        List<String> columns = Deltas.AUTOMATION_COLUMNS;
        List<Object> parameters = new ArrayList<>();
        List<String> recent = new ArrayList<>();
        for (Segment segment : plan(TimeWindow.from(now.minus(DAY)), now, Grain.DAY)) {
            String range = "scope = 0";
            if (segment.from() != Long.MIN_VALUE) {
                parameters.add(segment.from());
                range += " AND bucket >= ?";
            }
            if (!segment.isOpen()) {
                parameters.add(segment.to());
                range += " AND bucket < ?";
            }
            recent.add("SELECT failed FROM " + database.rollup("auto_" + segment.grain().suffix()) + " WHERE " + range);
        }
        String sql = "SELECT " + String.join(", ", columns.stream().map(col -> "coalesce(sum(t." + col + "), 0)")
                .toList()) + ", (SELECT coalesce(sum(failed), 0) FROM (" + (recent.isEmpty() ? "SELECT 0 AS failed"
                : String.join(" UNION ALL ", recent)) + ") AS f), (SELECT json_agg(json_build_array(q.instance_key, "
                + "q.active_count, q.pending_count, q.observed_ms) ORDER BY q.instance_key)::text FROM "
                + database.rollup("automation_queue") + " AS q) FROM " + database.rollup("auto_total")
                + " AS t WHERE t.scope = 0";
        long[] totals = new long[columns.size()];
        long recentFailures;
        List<AutomationReport.QueueRow> queues = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.size(); i++) {
                ps.setObject(i + 1, parameters.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                for (int i = 0; i < totals.length; i++) {
                    totals[i] = rs.getLong(i + 1);
                }
                recentFailures = rs.getLong(totals.length + 1);
                String queued = rs.getString(totals.length + 2);
                if (queued != null) {
                    for (JsonNode row : JSON.readTree(queued)) {
                        queues.add(new AutomationReport.QueueRow(row.get(0).asText(), row.get(1).asInt(),
                                row.get(2).asInt(), row.get(3).asLong()));
                    }
                }
            } catch (JsonProcessingException e) {
                throw new SQLException("unreadable queue snapshots: " + e.getOriginalMessage(), e);
            }
        }
        return new AutomationReport(totals[Deltas.EXECUTIONS], totals[Deltas.SUCCESS], totals[Deltas.AUTO_FAILED],
                totals[Deltas.SKIPPED], totals[Deltas.ACTIONS], totals[Deltas.EXEC_SUM], totals[Deltas.EXEC_COUNT],
                recentFailures, queues);
    }

    /** How far the ingest has got on a stream. */
    public record Progress(String stream, long lastSeq, long lastEventMs, long lastAppliedMs) {
    }

    public List<Progress> progress() {
        return database.withConnection(c -> {
            List<Progress> all = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT stream, last_seq, last_event_ms, last_applied_ms FROM "
                    + database.rollup("ingest_progress") + " ORDER BY stream"); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    all.add(new Progress(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4)));
                }
            }
            return all;
        });
    }

    private static final List<Segment> TOTAL = List.of(new Segment(Grain.TOTAL, 0, 1));

    private List<Segment> plan(TimeWindow window, Instant now, Grain coarsest) {
        return BucketPlan.of(window, now.toEpochMilli(), minuteHorizon, coarsest);
    }

    private MessageRead read() {
        return new MessageRead(database, breakdowns, dictionary);
    }
}
