package dev.omnirollup.store;

import dev.omnirollup.store.BucketPlan.Segment;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Several questions about the message rollups answered by one statement: reports (counters and breakdowns of a
 * plan's rows), a timeline (totals per bucket of a plan) and counts (the total of a plan). Every row's counters are
 * read; its breakdowns only when the row is new to the {@link BreakdownCache} or its version moved, so a repeated
 * question reads a few narrow rows and sums cached arrays. Not thread-safe: one per read.
 */
final class MessageRead {
    private static final int TIMELINE = 1_000;
    private static final int COUNT = 2_000;
    private static final Grain[] GRAINS = Grain.values();
    private static final String COUNTERS =
            String.join(", ", Deltas.MESSAGE_COLUMNS.stream().map(col -> "r." + col).toList());
    private static final String ZERO_COUNTERS = ", 0::int8".repeat(Deltas.MESSAGE_COLUMNS.size() - 1);

    private final RollupDatabase database;
    private final BreakdownCache cache;
    private final BreakdownKeys dictionary;
    private final Statement statement = new Statement();
    private final List<String> parts = new ArrayList<>();
    private final List<Ask> reports = new ArrayList<>();
    private final Map<String, Breakdowns> held = new HashMap<>();
    private Optional<Grain> timelineGrain = Optional.empty();
    private int counts;

    /** One report asked for: whose rows, whether the per-instance map is wanted, and its timeline's grain. */
    private record Ask(short scope, UUID instance, boolean withInstances, Optional<Grain> timeline) {
    }

    /** The answers, in the order asked. */
    record Answers(List<WindowReport> reports, List<WindowReport.TimelinePoint> timeline, long[] counts) {
    }

    MessageRead(RollupDatabase database, BreakdownCache cache, BreakdownKeys dictionary) {
        this.database = database;
        this.cache = cache;
        this.dictionary = dictionary;
    }

    /** Asks for the counters and breakdowns of a plan's rows; an empty plan reports nothing. */
    MessageRead report(List<Segment> plan, Optional<UUID> instance, boolean withInstances) {
        return report(plan, instance, withInstances, Optional.empty());
    }

    /**
     * As {@link #report(List, Optional, boolean)}, with the report's timeline of {@code timeline}'s grain from the
     * same rows (the plan must hold no coarser rows than that grain).
     */
    MessageRead report(List<Segment> plan, Optional<UUID> instance, boolean withInstances, Optional<Grain> timeline) {
        int index = reports.size();
        short scope = instance.isPresent() ? Deltas.SCOPE_INSTANCE : Deltas.SCOPE_ALL;
        UUID instanceId = instance.orElse(Deltas.ALL_INSTANCES);
        reports.add(new Ask(scope, instanceId, withInstances, timeline));
        for (Segment segment : plan) {
            BreakdownCache.Series series = new BreakdownCache.Series(segment.grain(), scope, instanceId);
            List<BreakdownCache.Cached> cached = segment.grain() == Grain.TOTAL ? cache.in(series, 0, 1)
                    : cache.in(series, segment.from(), segment.to());
            Long[] buckets = new Long[cached.size()];
            Short[] layers = new Short[cached.size()];
            Long[] versions = new Long[cached.size()];
            for (int i = 0; i < cached.size(); i++) {
                BreakdownCache.Cached row = cached.get(i);
                buckets[i] = row.bucket();
                layers[i] = row.layer();
                versions[i] = row.version();
                held.put(heldKey(index, segment.grain(), row.bucket(), row.layer(), row.version()), row.breakdowns());
            }
            // parameters are bound in the order of the text
            String select = "SELECT " + statement.value(index) + "::int, " + statement.value(segment.grain().ordinal())
                    + "::int, r.src, r.bucket, r.version, " + COUNTERS
                    + ", CASE WHEN k.v IS DISTINCT FROM r.version THEN r.dims::text END FROM " + table(segment);
            String known = statement.value(new ArrayParameter("int8", buckets)) + "::int8[], "
                    + statement.value(new ArrayParameter("int2", layers)) + "::int2[], "
                    + statement.value(new ArrayParameter("int8", versions)) + "::int8[]";
            parts.add(select + " AS r LEFT JOIN unnest(" + known + ") AS k(b, s, v) ON k.b = r.bucket AND k.s = r.src "
                    + "WHERE " + statement.rows(scope, instanceId, segment));
        }
        return this;
    }

    /** Asks for the totals per bucket of {@code grain} over a plan's rows (finer rows fold into their bucket). */
    MessageRead timeline(List<Segment> plan, Optional<UUID> instance, Grain grain) {
        timelineGrain = Optional.of(grain);
        short scope = instance.isPresent() ? Deltas.SCOPE_INSTANCE : Deltas.SCOPE_ALL;
        for (Segment segment : plan) {
            parts.add("SELECT " + statement.value(TIMELINE) + "::int, " + statement.value(segment.grain().ordinal())
                    + "::int, r.src, r.bucket, 0::int8, r.total" + ZERO_COUNTERS + ", NULL::text FROM "
                    + table(segment) + " AS r WHERE "
                    + statement.rows(scope, instance.orElse(Deltas.ALL_INSTANCES), segment));
        }
        return this;
    }

    /** Asks for the total of a plan's rows over all instances, summed in the database. */
    MessageRead count(List<Segment> plan) {
        int index = counts++;
        if (plan.isEmpty()) {
            return this;
        }
        String select = "SELECT " + statement.value(COUNT + index) + "::int, 0, 0::int2, 0::int8, 0::int8, "
                + "coalesce(sum(c.total), 0)::int8" + ZERO_COUNTERS + ", NULL::text FROM (";
        List<String> rows = new ArrayList<>();
        for (Segment segment : plan) {
            rows.add("SELECT r.total FROM " + table(segment) + " AS r WHERE "
                    + statement.rows(Deltas.SCOPE_ALL, Deltas.ALL_INSTANCES, segment));
        }
        parts.add(select + String.join(" UNION ALL ", rows) + ") AS c");
        return this;
    }

    /** Runs the statement and sums what it read. */
    Answers run(Connection c) throws SQLException {
        long[][] sums = new long[reports.size()][Deltas.MESSAGE_COLUMNS.size()];
        long[][] keySums = new long[reports.size()][];
        for (int i = 0; i < keySums.length; i++) {
            keySums[i] = new long[Math.max(16, dictionary.size())];
        }
        long[] countSums = new long[counts];
        TreeMap<Long, Long> timeline = new TreeMap<>();
        List<TreeMap<Long, Long>> reportTimelines = new ArrayList<>();
        for (int i = 0; i < reports.size(); i++) {
            reportTimelines.add(new TreeMap<>());
        }
        if (!parts.isEmpty()) {
            try (PreparedStatement ps = statement.prepare(c, String.join(" UNION ALL ", parts));
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    int part = rs.getInt(1);
                    if (part >= COUNT) {
                        countSums[part - COUNT] += rs.getLong(6);
                    } else if (part == TIMELINE) {
                        timeline.merge(timelineGrain.orElseThrow().bucketOf(rs.getLong(4)), rs.getLong(6), Long::sum);
                    } else {
                        keySums[part] = readReportRow(rs, part, sums[part], keySums[part]);
                        Optional<Grain> grain = reports.get(part).timeline();
                        if (grain.isPresent()) {
                            reportTimelines.get(part).merge(grain.get().bucketOf(rs.getLong(4)), rs.getLong(6),
                                    Long::sum);
                        }
                    }
                }
            }
        }
        List<WindowReport> answered = new ArrayList<>();
        for (int i = 0; i < reports.size(); i++) {
            WindowReport report = summarize(MessageCounts.of(sums[i]), keySums[i], reports.get(i).withInstances());
            answered.add(reports.get(i).timeline().isPresent() ? report.withTimeline(points(reportTimelines.get(i)))
                    : report);
        }
        return new Answers(answered, points(timeline), countSums);
    }

    private static List<WindowReport.TimelinePoint> points(TreeMap<Long, Long> timeline) {
        List<WindowReport.TimelinePoint> points = new ArrayList<>();
        timeline.forEach((bucket, count) -> {
            if (count != 0) {
                points.add(new WindowReport.TimelinePoint(bucket, count));
            }
        });
        return points;
    }

    private long[] readReportRow(ResultSet rs, int part, long[] sums, long[] keySums) throws SQLException {
        Grain grain = GRAINS[rs.getInt(2)];
        short layer = rs.getShort(3);
        long bucket = rs.getLong(4);
        long version = rs.getLong(5);
        for (int i = 0; i < sums.length; i++) {
            sums[i] += rs.getLong(6 + i);
        }
        String dims = rs.getString(6 + sums.length);
        Breakdowns row;
        if (dims == null) {
            row = held.get(heldKey(part, grain, bucket, layer, version));
        } else {
            row = Breakdowns.of(dims, dictionary);
            Ask ask = reports.get(part);
            cache.put(new BreakdownCache.Series(grain, ask.scope(), ask.instance()), bucket, layer, version, row);
        }
        return row.addTo(keySums);
    }

    /** The summed breakdowns, split into their maps (zero sums dropped). */
    private WindowReport summarize(MessageCounts counts, long[] keySums, boolean withInstances) {
        Map<Dim, Map<String, Long>> maps = new EnumMap<>(Dim.class);
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

    private static Map<Long, Long> bins(Map<String, Long> keyed) {
        if (keyed == null) {
            return Map.of();
        }
        Map<Long, Long> bins = new HashMap<>();
        keyed.forEach((key, n) -> bins.put(Long.parseLong(key), n));
        return bins;
    }

    private String table(Segment segment) {
        return database.rollup("msg_" + segment.grain().suffix());
    }

    private static String heldKey(int part, Grain grain, long bucket, short layer, long version) {
        return part + ":" + grain.ordinal() + ":" + bucket + ":" + layer + ":" + version;
    }

    /** An array bound as a statement parameter. */
    private record ArrayParameter(String type, Object[] values) {
    }

    /** The statement's parameters, collected while its text is built. */
    private static final class Statement {
        private final List<Object> parameters = new ArrayList<>();

        String value(Object value) {
            parameters.add(value);
            return "?";
        }

        /** The rows of one scope and instance inside a segment (the rollup key's leading columns). */
        String rows(short scope, UUID instance, Segment segment) {
            String where = "r.scope = " + value(scope) + " AND r.instance_id = " + value(instance);
            if (segment.grain() == Grain.TOTAL) {
                return where + " AND r.bucket = 0";
            }
            if (segment.from() != Long.MIN_VALUE) {
                where += " AND r.bucket >= " + value(segment.from());
            }
            if (!segment.isOpen()) {
                where += " AND r.bucket < " + value(segment.to());
            }
            return where;
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
