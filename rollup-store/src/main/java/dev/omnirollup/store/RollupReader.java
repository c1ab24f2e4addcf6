package dev.omnirollup.store;

import dev.omnirollup.store.BucketPlan.Segment;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Answers questions about windows of time from the rollups alone, reading a number of rows bounded by the
 * {@link BucketPlan} (never Omni's tables, never all of history except through the running totals). Thread-safe.
 */
public final class RollupReader {
    private static final Grain[] WINDOW_GRAINS = {Grain.MINUTE, Grain.HOUR, Grain.DAY};

    private final RollupDatabase database;
    private final Duration minuteHorizon;

    /**
     * @param minuteHorizon how far back minute buckets are read (must be shorter than their retention)
     */
    public RollupReader(RollupDatabase database, Duration minuteHorizon) {
        this.database = database;
        this.minuteHorizon = minuteHorizon;
    }

    /**
     * The rows with {@code start <= received_at <= end} (no upper bound when {@code end} is empty), edges widened
     * to whole buckets.
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
        List<Segment> plan = BucketPlan.of(span, now.toEpochMilli(), minuteHorizon, Grain.DAY);
        WindowReport report = report(c, plan, instance, withInstances);
        if (timeline.isEmpty()) {
            return report;
        }
        // only the timeline needs hours inside the window; counts and breakdowns come from the fewest rows
        List<Segment> timelinePlan = timeline.get() == Grain.DAY ? plan
                : BucketPlan.of(span, now.toEpochMilli(), minuteHorizon, Grain.HOUR);
        return report.withTimeline(timeline(c, timelinePlan, instance, timeline.get()));
    }

    /** Every row ever counted, optionally for one instance, from the running totals (plus a timeline if asked). */
    public WindowReport allTime(Optional<UUID> instance, Optional<Grain> timeline) {
        return database.withConnection(c -> allTime(c, instance, timeline));
    }

    WindowReport allTime(Connection c, Optional<UUID> instance, Optional<Grain> timeline) throws SQLException {
        WindowReport report = report(c, List.of(new Segment(Grain.TOTAL, 0, 1)), instance);
        if (timeline.isEmpty()) {
            return report;
        }
        List<Segment> everything = List.of(new Segment(timeline.get(), Long.MIN_VALUE, BucketPlan.OPEN));
        return report.withTimeline(timeline(c, everything, instance, timeline.get()));
    }

    /** Every row ever counted over all instances, without the per-instance map (what metrics needs). */
    public WindowReport totals() {
        return database.withConnection(c -> report(c, List.of(new Segment(Grain.TOTAL, 0, 1)), Optional.empty(), false));
    }

    /**
     * For each {@code since}, the rows with {@code received_at >= since} over all instances (no upper bound), edge
     * widened to its bucket; one statement for all of them.
     */
    public long[] countsSince(List<Instant> sinces, Instant now) {
        return database.withConnection(c -> {
            Query query = new Query();
            List<String> parts = new ArrayList<>();
            for (int w = 0; w < sinces.size(); w++) {
                List<Segment> plan = BucketPlan.of(TimeWindow.from(sinces.get(w)), now.toEpochMilli(),
                        minuteHorizon, Grain.DAY);
                if (!plan.isEmpty()) {
                    parts.add("SELECT " + w + " AS w, coalesce(sum(total), 0) AS n FROM ("
                            + union(plan, query, Optional.empty(), "total") + ") AS r" + w);
                }
            }
            long[] counts = new long[sinces.size()];
            if (parts.isEmpty()) {
                return counts;
            }
            try (PreparedStatement ps = query.prepare(c, String.join(" UNION ALL ", parts)); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    counts[rs.getInt(1)] = rs.getLong(2);
                }
            }
            return counts;
        });
    }

    /** Automation executions all time and failures since {@code now - 24h} (edge widened to its bucket). */
    public AutomationReport automation(Instant now) {
        return database.withConnection(c -> automation(c, now));
    }

    AutomationReport automation(Connection c, Instant now) throws SQLException {
        long[] totals = new long[Deltas.AUTOMATION_COLUMNS.size()];
        String columns = Deltas.AUTOMATION_COLUMNS.stream().map(col -> "coalesce(sum(" + col + "), 0)")
                .collect(Collectors.joining(", "));
        try (PreparedStatement ps = c.prepareStatement("SELECT " + columns + " FROM " + database.rollup("auto_total")
                + " WHERE scope = 0");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            for (int i = 0; i < totals.length; i++) {
                totals[i] = rs.getLong(i + 1);
            }
        }
        List<Segment> plan = BucketPlan.of(TimeWindow.from(now.minus(Duration.ofHours(24))), now.toEpochMilli(),
                minuteHorizon, Grain.DAY);
        Query query = new Query();
        List<String> parts = new ArrayList<>();
        for (Segment segment : plan) {
            parts.add("SELECT failed FROM " + database.rollup("auto_" + segment.grain().suffix())
                    + " WHERE scope = 0 AND " + query.bucketRange(segment));
        }
        long recentFailures = 0;
        if (!parts.isEmpty()) {
            try (PreparedStatement ps = query.prepare(c, "SELECT coalesce(sum(failed), 0) FROM ("
                    + String.join(" UNION ALL ", parts) + ") AS r"); ResultSet rs = ps.executeQuery()) {
                rs.next();
                recentFailures = rs.getLong(1);
            }
        }
        List<AutomationReport.QueueRow> queues = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT instance_key, active_count, pending_count, observed_ms FROM "
                + database.rollup("automation_queue") + " ORDER BY instance_key");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                queues.add(new AutomationReport.QueueRow(rs.getString(1), rs.getInt(2), rs.getInt(3), rs.getLong(4)));
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

    private WindowReport report(Connection c, List<Segment> plan, Optional<UUID> instance) throws SQLException {
        return report(c, plan, instance, instance.isEmpty());
    }

    /** Counters and breakdowns in one statement; the instance map (a second one) only when asked for. */
    private WindowReport report(Connection c, List<Segment> plan, Optional<UUID> instance, boolean withInstances)
            throws SQLException {
        if (plan.isEmpty()) {
            return new WindowReport(MessageCounts.ZERO, Map.of(), Map.of(), Map.of(), Map.of(), Map.of(), Map.of(),
                    Map.of(), List.of());
        }
        long[] sums = new long[Deltas.MESSAGE_COLUMNS.size()];
        Map<Dim, Map<String, Long>> dims = new HashMap<>();
        Query query = new Query();
        String sumColumns = Deltas.MESSAGE_COLUMNS.stream().map(col -> "coalesce(sum(" + col + "), 0)")
                .collect(Collectors.joining(", "));
        String sql = "WITH r AS MATERIALIZED (" + union(plan, query, instance,
                String.join(", ", Deltas.MESSAGE_COLUMNS) + ", dims") + ") "
                + "SELECT " + sumColumns + ", (SELECT jsonb_object_agg(key, n) FROM (SELECT kv.key, sum(kv.value::bigint) AS n "
                + "FROM r CROSS JOIN LATERAL jsonb_each_text(r.dims) AS kv GROUP BY kv.key "
                + "HAVING sum(kv.value::bigint) <> 0) AS k) FROM r";
        try (PreparedStatement ps = query.prepare(c, sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            for (int i = 0; i < sums.length; i++) {
                sums[i] = rs.getLong(i + 1);
            }
            String packed = rs.getString(sums.length + 1);
            if (packed != null) {
                DimsJson.read(packed).forEach((key, n) -> dims.computeIfAbsent(Dim.ofPrefix(key.charAt(0)),
                        k -> new HashMap<>()).put(key.substring(2), n));
            }
        }
        Map<UUID, Long> instances = withInstances ? instances(c, plan) : Map.of();
        return new WindowReport(MessageCounts.of(sums), dims.getOrDefault(Dim.CHANNEL, Map.of()),
                dims.getOrDefault(Dim.CONTENT_TYPE, Map.of()), dims.getOrDefault(Dim.ERROR_STAGE, Map.of()),
                dims.getOrDefault(Dim.EVENT_TYPE, Map.of()), instances, bins(dims.get(Dim.PROCESSING_BIN)),
                bins(dims.get(Dim.AGENT_BIN)), List.of());
    }

    /** Non-empty buckets of the grain, ascending; rows of finer buckets (window edges) fold into theirs. */
    private List<WindowReport.TimelinePoint> timeline(Connection c, List<Segment> plan, Optional<UUID> instance,
                                                      Grain grain) throws SQLException {
        if (plan.isEmpty()) {
            return List.of();
        }
        Query query = new Query();
        String union = union(plan, query, instance, "bucket, total");
        TreeMap<Long, Long> counts = new TreeMap<>();
        try (PreparedStatement ps = query.prepare(c, "SELECT bucket, sum(total) FROM (" + union
                + ") AS r GROUP BY bucket"); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                counts.merge(grain.bucketOf(rs.getLong(1)), rs.getLong(2), Long::sum);
            }
        }
        List<WindowReport.TimelinePoint> points = new ArrayList<>();
        counts.forEach((bucket, count) -> {
            if (count != 0) {
                points.add(new WindowReport.TimelinePoint(bucket, count));
            }
        });
        return points;
    }

    private Map<UUID, Long> instances(Connection c, List<Segment> plan) throws SQLException {
        Query query = new Query();
        List<String> parts = new ArrayList<>();
        for (Segment segment : plan) {
            parts.add("SELECT instance_id, total FROM " + database.rollup("msg_" + segment.grain().suffix())
                    + " WHERE scope = 1 AND " + query.bucketRange(segment));
        }
        Map<UUID, Long> instances = new HashMap<>();
        try (PreparedStatement ps = query.prepare(c, "SELECT instance_id, sum(total) FROM ("
                + String.join(" UNION ALL ", parts) + ") AS r GROUP BY instance_id HAVING sum(total) <> 0");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                instances.put(rs.getObject(1, UUID.class), rs.getLong(2));
            }
        }
        return instances;
    }

    private String union(List<Segment> plan, Query query, Optional<UUID> instance, String columns) {
        List<String> parts = new ArrayList<>();
        for (Segment segment : plan) {
            parts.add("SELECT " + columns + " FROM " + database.rollup("msg_" + segment.grain().suffix())
                    + " WHERE " + query.scope(instance) + " AND " + query.bucketRange(segment));
        }
        return String.join(" UNION ALL ", parts);
    }

    private static Map<Long, Long> bins(Map<String, Long> keyed) {
        if (keyed == null) {
            return Map.of();
        }
        Map<Long, Long> bins = new HashMap<>();
        keyed.forEach((key, n) -> bins.put(Long.parseLong(key), n));
        return bins;
    }

    /** Collects the parameters of a statement while its text is built. */
    private static final class Query {
        private final List<Object> parameters = new ArrayList<>();

        String scope(Optional<UUID> instance) {
            parameters.add(instance.isPresent() ? Deltas.SCOPE_INSTANCE : Deltas.SCOPE_ALL);
            parameters.add(instance.orElse(Deltas.ALL_INSTANCES));
            return "scope = ? AND instance_id = ?";
        }

        String bucketRange(Segment segment) {
            if (segment.grain() == Grain.TOTAL) {
                return "bucket = 0";
            }
            List<String> conditions = new ArrayList<>();
            if (segment.from() != Long.MIN_VALUE) {
                parameters.add(segment.from());
                conditions.add("bucket >= ?");
            }
            if (!segment.isOpen()) {
                parameters.add(segment.to());
                conditions.add("bucket < ?");
            }
            return conditions.isEmpty() ? "true" : String.join(" AND ", conditions);
        }

        PreparedStatement prepare(Connection c, String sql) throws SQLException {
            PreparedStatement ps = c.prepareStatement(sql);
            for (int i = 0; i < parameters.size(); i++) {
                ps.setObject(i + 1, parameters.get(i));
            }
            return ps;
        }
    }
}
