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
    private final BreakdownKeys dictionary = new BreakdownKeys();
    private final BreakdownCache breakdowns = new BreakdownCache(4_000_000);

    /**
     * @param minuteHorizon how far back minute buckets are read (must be shorter than their retention)
     */
    public RollupReader(RollupDatabase database, Duration minuteHorizon) {
        this.database = database;
        this.minuteHorizon = minuteHorizon;
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
        List<Segment> plan = BucketPlan.of(span, now.toEpochMilli(), minuteHorizon, Grain.DAY);
        // only the timeline needs hours inside the window; counts and breakdowns come from the fewest rows
        Optional<List<Segment>> timelinePlan = timeline.map(grain -> grain == Grain.DAY ? plan
                : BucketPlan.of(span, now.toEpochMilli(), minuteHorizon, Grain.HOUR));
        return report(c, plan, timelinePlan, timeline, instance, withInstances);
    }

    /** Every row ever counted, optionally for one instance, from the running totals (plus a timeline if asked). */
    public WindowReport allTime(Optional<UUID> instance, Optional<Grain> timeline) {
        return database.withConnection(c -> allTime(c, instance, timeline));
    }

    WindowReport allTime(Connection c, Optional<UUID> instance, Optional<Grain> timeline) throws SQLException {
        Optional<List<Segment>> everything = timeline.map(grain ->
                List.of(new Segment(grain, Long.MIN_VALUE, BucketPlan.OPEN)));
        return report(c, List.of(new Segment(Grain.TOTAL, 0, 1)), everything, timeline, instance, instance.isEmpty());
    }

    /** Every row ever counted over all instances, without the per-instance map (what metrics needs). */
    public WindowReport totals() {
        return database.withConnection(c -> report(c, List.of(new Segment(Grain.TOTAL, 0, 1)), Optional.empty(),
                Optional.empty(), Optional.empty(), false));
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

    /**
     * Counters and breakdowns of the plan's rows, and the timeline of the timeline plan's rows, in one statement.
     * Every row's counters are read; its breakdowns only when the row is new to this reader or its version moved
     * (see {@link BreakdownCache}), so a repeated question reads a few narrow rows and sums cached arrays.
     */
    private WindowReport report(Connection c, List<Segment> plan, Optional<List<Segment>> timelinePlan,
                                Optional<Grain> timelineGrain, Optional<UUID> instance, boolean withInstances)
            throws SQLException {
        if (plan.isEmpty()) {
            return timelineGrain.isEmpty() ? WindowReport.EMPTY : WindowReport.EMPTY.withTimeline(List.of());
        }
        short scope = instance.isPresent() ? Deltas.SCOPE_INSTANCE : Deltas.SCOPE_ALL;
        UUID instanceId = instance.orElse(Deltas.ALL_INSTANCES);
        Query query = new Query();
        List<String> parts = new ArrayList<>();
        Map<String, Breakdowns> held = new HashMap<>();
        String counters = String.join(", ", Deltas.MESSAGE_COLUMNS.stream().map(col -> "r." + col).toList());
        for (Segment segment : plan) {
            BreakdownCache.Series series = new BreakdownCache.Series(segment.grain(), scope, instanceId);
            List<BreakdownCache.Cached> cached = segment.grain() == Grain.TOTAL ? breakdowns.in(series, 0, 1)
                    : breakdowns.in(series, segment.from(), segment.to());
            Long[] buckets = new Long[cached.size()];
            Short[] layers = new Short[cached.size()];
            Long[] versions = new Long[cached.size()];
            for (int i = 0; i < cached.size(); i++) {
                BreakdownCache.Cached row = cached.get(i);
                buckets[i] = row.bucket();
                layers[i] = row.layer();
                versions[i] = row.version();
                held.put(heldKey(segment.grain(), row.bucket(), row.layer(), row.version()), row.breakdowns());
            }
            String grain = query.value(segment.grain().ordinal());
            String known = query.value(new ArrayParameter("int8", buckets)) + "::int8[], "
                    + query.value(new ArrayParameter("int2", layers)) + "::int2[], "
                    + query.value(new ArrayParameter("int8", versions)) + "::int8[]";
            parts.add("SELECT 0 AS part, " + grain + "::int AS g, r.src, r.bucket, r.version, " + counters
                    + ", CASE WHEN k.v IS DISTINCT FROM r.version THEN r.dims::text END FROM "
                    + database.rollup("msg_" + segment.grain().suffix()) + " AS r LEFT JOIN unnest(" + known
                    + ") AS k(b, s, v) ON k.b = r.bucket AND k.s = r.src WHERE "
                    + query.scope(instance, "r.") + " AND " + query.bucketRange(segment, "r."));
        }
        String zeros = ", 0".repeat(Deltas.MESSAGE_COLUMNS.size() - 1);
        for (Segment segment : timelinePlan.orElse(List.of())) {
            String grain = query.value(segment.grain().ordinal());
            parts.add("SELECT 1, " + grain + "::int, r.src, r.bucket, 0, r.total" + zeros + ", NULL FROM "
                    + database.rollup("msg_" + segment.grain().suffix()) + " AS r WHERE "
                    + query.scope(instance, "r.") + " AND " + query.bucketRange(segment, "r."));
        }
        long[] sums = new long[Deltas.MESSAGE_COLUMNS.size()];
        long[] keySums = new long[Math.max(16, dictionary.size())];
        TreeMap<Long, Long> timeline = new TreeMap<>();
        Grain[] grains = Grain.values();
        try (PreparedStatement ps = query.prepare(c, String.join(" UNION ALL ", parts)); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                Grain grain = grains[rs.getInt(2)];
                short layer = rs.getShort(3);
                long bucket = rs.getLong(4);
                if (rs.getInt(1) == 1) {
                    timeline.merge(timelineGrain.orElseThrow().bucketOf(bucket), rs.getLong(6), Long::sum);
                    continue;
                }
                long version = rs.getLong(5);
                for (int i = 0; i < sums.length; i++) {
                    sums[i] += rs.getLong(6 + i);
                }
                String dims = rs.getString(6 + sums.length);
                Breakdowns row;
                if (dims == null) {
                    row = held.get(heldKey(grain, bucket, layer, version));
                } else {
                    row = Breakdowns.of(dims, dictionary);
                    breakdowns.put(new BreakdownCache.Series(grain, scope, instanceId), bucket, layer, version, row);
                }
                keySums = row.addTo(keySums);
            }
        }
        WindowReport report = summarize(MessageCounts.of(sums), keySums, withInstances);
        if (timelineGrain.isEmpty()) {
            return report;
        }
        List<WindowReport.TimelinePoint> points = new ArrayList<>();
        timeline.forEach((bucket, count) -> {
            if (count != 0) {
                points.add(new WindowReport.TimelinePoint(bucket, count));
            }
        });
        return report.withTimeline(points);
    }

    private static String heldKey(Grain grain, long bucket, short layer, long version) {
        return grain.ordinal() + ":" + bucket + ":" + layer + ":" + version;
    }

    /** The summed breakdowns, split into their maps (zero sums dropped). */
    private WindowReport summarize(MessageCounts counts, long[] keySums, boolean withInstances) {
        Map<Dim, Map<String, Long>> maps = new java.util.EnumMap<>(Dim.class);
        Map<UUID, Long> instances = new HashMap<>();
        for (int id = 0; id < keySums.length; id++) {
            if (keySums[id] == 0) {
                continue;
            }
            BreakdownKeys.Key key = dictionary.key(id);
            if (key.dim() == Dim.INSTANCE) {
                if (withInstances) {
                    instances.put(key.instance(), keySums[id]);
                }
            } else {
                maps.computeIfAbsent(key.dim(), k -> new HashMap<>()).put(key.name(), keySums[id]);
            }
        }
        return new WindowReport(counts, maps.getOrDefault(Dim.CHANNEL, Map.of()),
                maps.getOrDefault(Dim.CONTENT_TYPE, Map.of()), maps.getOrDefault(Dim.ERROR_STAGE, Map.of()),
                maps.getOrDefault(Dim.EVENT_TYPE, Map.of()), instances, bins(maps.get(Dim.PROCESSING_BIN)),
                bins(maps.get(Dim.AGENT_BIN)), List.of());
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

    /** An array bound as a statement parameter. */
    private record ArrayParameter(String type, Object[] values) {
    }

    /** Collects the parameters of a statement while its text is built. */
    private static final class Query {
        private final List<Object> parameters = new ArrayList<>();

        /** A bound value's placeholder. */
        String value(Object value) {
            parameters.add(value);
            return "?";
        }

        String scope(Optional<UUID> instance) {
            return scope(instance, "");
        }

        String scope(Optional<UUID> instance, String alias) {
            parameters.add(instance.isPresent() ? Deltas.SCOPE_INSTANCE : Deltas.SCOPE_ALL);
            parameters.add(instance.orElse(Deltas.ALL_INSTANCES));
            return alias + "scope = ? AND " + alias + "instance_id = ?";
        }

        String bucketRange(Segment segment) {
            return bucketRange(segment, "");
        }

        String bucketRange(Segment segment, String alias) {
            if (segment.grain() == Grain.TOTAL) {
                return alias + "bucket = 0";
            }
            List<String> conditions = new ArrayList<>();
            if (segment.from() != Long.MIN_VALUE) {
                parameters.add(segment.from());
                conditions.add(alias + "bucket >= ?");
            }
            if (!segment.isOpen()) {
                parameters.add(segment.to());
                conditions.add(alias + "bucket < ?");
            }
            return conditions.isEmpty() ? "true" : String.join(" AND ", conditions);
        }

        PreparedStatement prepare(Connection c, String sql) throws SQLException {
            PreparedStatement ps = c.prepareStatement(sql);
            for (int i = 0; i < parameters.size(); i++) {
                Object parameter = parameters.get(i);
                if (parameter instanceof ArrayParameter array) {
                    ps.setArray(i + 1, c.createArrayOf(array.type(), array.values()));
                } else {
                    ps.setObject(i + 1, parameter);
                }
            }
            return ps;
        }
    }
}
