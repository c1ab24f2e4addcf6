package dev.omnirollup.store;

import dev.omnirollup.store.BucketPlan.Segment;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;

/**
 * Several questions about the message rollups answered by one statement: reports (counters and breakdowns of a
 * plan's rows, optionally with a timeline from the same rows), a timeline (totals per bucket of a plan) and counts
 * (the total of a plan). Every row's counters are read; its breakdowns only when the row is new to the
 * {@link BreakdownCache} or its version moved, so a repeated question reads a few narrow rows and sums cached arrays.
 *
 * <p>Every statement is constant text: a plan is at most five runs of buckets in the order minutes, hours, days,
 * hours, minutes ({@link BucketPlan}), so each part of a statement names those five tables and binds the runs it does
 * not use as empty ranges; the running totals have a part of their own. A run of a netted edge
 * ({@link BucketPlan#fewestRows}) is taken from the answer: its rows count with sign -1 (in Java, and bound as
 * {@code :sign<run>} where the database sums). The few combinations the reader asks for
 * ({@link Shape}) are rendered once, with every value bound by name. Not thread-safe: one per read.
 */
final class MessageRead {
    /** The tables of a plan's five runs, in order. */
    private static final List<Grain> RUNS = List.of(Grain.MINUTE, Grain.HOUR, Grain.DAY, Grain.HOUR, Grain.MINUTE);
    private static final int TOTAL_RUN = RUNS.size();
    private static final int TIMELINE = 1_000;
    private static final int COUNT = 2_000;
    private static final String COUNTERS =
            MessageCounter.COLUMNS.stream().map(column -> "r." + column).collect(Collectors.joining(", "));
    private static final String ZERO_COUNTERS = ", 0::int8".repeat(MessageCounter.COUNT - 1);

    /** The kinds of part a statement is made of. */
    enum PartKind {
        /** Counters and breakdowns of a plan's rows. */
        REPORT,
        /** Counters and breakdowns of the running totals. */
        TOTAL,
        /** Totals per bucket of a plan's rows. */
        TIMELINE,
        /** The sum of the totals of a plan's rows. */
        COUNT
    }

    /** The statements the reader runs, by the parts they are made of. */
    enum Shape {
        WINDOW(PartKind.REPORT),
        ALL_TIME(PartKind.TOTAL),
        ALL_TIME_TIMELINE(PartKind.TOTAL, PartKind.TIMELINE),
        METRICS(PartKind.TOTAL, PartKind.COUNT, PartKind.COUNT, PartKind.COUNT),
        SUMMARY(PartKind.TOTAL, PartKind.REPORT, PartKind.COUNT);

        final List<PartKind> parts;
        final String sql;

        Shape(PartKind... parts) {
            this.parts = List.of(parts);
            this.sql = render(this.parts);
        }
    }

    private final BreakdownCache cache;
    private final BreakdownKeys dictionary;
    private final List<PartKind> kinds = new ArrayList<>();
    private final List<Binding> bindings = new ArrayList<>();
    private final List<Ask> reports = new ArrayList<>();
    private final Map<HeldKey, Breakdowns> held = new HashMap<>();
    private Optional<TimelineAsk> timelineAsked = Optional.empty();
    private int counts;

    /** A cached row a report already holds, by part, grain, bucket, layer and version. */
    private record HeldKey(int part, Grain grain, long bucket, Layer layer, long version) {
    }

    /**
     * One report asked for: whose rows, whether the per-instance map is wanted, its timeline's grain, and the runs it
     * reads (a run taken from the answer counts negatively).
     */
    private record Ask(Scope scope, UUID subject, boolean withInstances, Optional<Grain> timeline,
                       List<Segment> runs) {
        long sign(int run) {
            return MessageRead.sign(runs.get(run == TOTAL_RUN ? 0 : run));
        }
    }

    /** The timeline asked for: its grain and the runs it reads. */
    private record TimelineAsk(Grain grain, List<Segment> runs) {
    }

    /** The values one part binds, under its prefix. */
    @FunctionalInterface
    private interface Binding {
        void bind(Query query, String prefix);
    }

    /** The answers, in the order asked. */
    record Answers(List<WindowReport> reports, List<WindowReport.TimelinePoint> timeline, long[] counts) {
    }

    MessageRead(BreakdownCache cache, BreakdownKeys dictionary) {
        this.cache = cache;
        this.dictionary = dictionary;
    }

    /** Asks for the counters and breakdowns of a plan's rows (the running totals for {@link #TOTAL_PLAN}). */
    MessageRead report(List<Segment> plan, Optional<UUID> instance, boolean withInstances) {
        return report(plan, instance, withInstances, Optional.empty());
    }

    /** The plan of the running totals. */
    static final List<Segment> TOTAL_PLAN = List.of(new Segment(Grain.TOTAL, 0, 1));

    /**
     * As {@link #report(List, Optional, boolean)}, with the report's timeline of {@code timeline}'s grain from the
     * same rows (the plan must hold no coarser rows than that grain).
     */
    MessageRead report(List<Segment> plan, Optional<UUID> instance, boolean withInstances, Optional<Grain> timeline) {
        int index = reports.size();
        Scope scope = instance.isPresent() ? Scope.ONE : Scope.ALL;
        UUID subject = instance.orElse(Scope.EVERYONE);
        boolean total = plan.equals(TOTAL_PLAN);
        kinds.add(total ? PartKind.TOTAL : PartKind.REPORT);
        List<Segment> runs = total ? plan : runs(plan);
        reports.add(new Ask(scope, subject, withInstances, timeline, runs));
        List<List<BreakdownCache.Cached>> known = new ArrayList<>();
        for (int run = 0; run < runs.size(); run++) {
            Segment segment = runs.get(run);
            BreakdownCache.Series series = new BreakdownCache.Series(segment.grain(), scope, subject);
            List<BreakdownCache.Cached> cached = segment.from() == segment.to() ? List.of()
                    : cache.in(series, segment.from(), segment.to());
            known.add(cached);
            for (BreakdownCache.Cached row : cached) {
                held.put(new HeldKey(index, segment.grain(), row.bucket(), row.layer(), row.version()),
                        row.breakdowns());
            }
        }
        bindings.add((query, prefix) -> {
            query.bind(prefix + "scope", PgArguments.int2(scope.code)).bind(prefix + "subject",
                    PgArguments.uuid(subject));
            for (int run = 0; run < runs.size(); run++) {
                List<BreakdownCache.Cached> cached = known.get(run);
                String suffix = total ? "" : Integer.toString(run);
                if (!total) {
                    bindRun(query, prefix, run, runs.get(run));
                }
                long[] buckets = new long[cached.size()];
                short[] layers = new short[cached.size()];
                long[] versions = new long[cached.size()];
                for (int i = 0; i < buckets.length; i++) {
                    BreakdownCache.Cached row = cached.get(i);
                    buckets[i] = row.bucket();
                    layers[i] = row.layer().code();
                    versions[i] = row.version();
                }
                query.bind(prefix + "kb" + suffix, PgArguments.int8Array(buckets))
                        .bind(prefix + "ks" + suffix, PgArguments.int2Array(layers))
                        .bind(prefix + "kv" + suffix, PgArguments.int8Array(versions));
            }
        });
        return this;
    }

    /** Asks for the totals per bucket of {@code grain} over a plan's rows (finer rows fold into their bucket). */
    MessageRead timeline(List<Segment> plan, Optional<UUID> instance, Grain grain) {
        kinds.add(PartKind.TIMELINE);
        Scope scope = instance.isPresent() ? Scope.ONE : Scope.ALL;
        UUID subject = instance.orElse(Scope.EVERYONE);
        List<Segment> runs = runs(plan);
        timelineAsked = Optional.of(new TimelineAsk(grain, runs));
        bindings.add((query, prefix) -> bindRuns(query.bind(prefix + "scope", PgArguments.int2(scope.code))
                .bind(prefix + "subject", PgArguments.uuid(subject)), prefix, runs));
        return this;
    }

    /** Asks for the total of a plan's rows over all instances, summed in the database. */
    MessageRead count(List<Segment> plan) {
        counts++;
        kinds.add(PartKind.COUNT);
        List<Segment> runs = runs(plan);
        bindings.add((query, prefix) -> {
            bindRuns(query, prefix, runs);
            for (int run = 0; run < runs.size(); run++) {
                query.bind(prefix + "sign" + run, PgArguments.int8(sign(runs.get(run))));
            }
        });
        return this;
    }

    /** Runs the statement the parts asked for make, and sums what it read. */
    Answers run(Handle handle) {
        Shape shape = shapeOf(kinds);
        Query query = handle.createQuery(shape.sql);
        for (int part = 0; part < bindings.size(); part++) {
            bindings.get(part).bind(query, prefix(part));
        }
        long[][] sums = new long[reports.size()][MessageCounter.COUNT];
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
        query.map((rs, ctx) -> {
            int part = rs.getInt(1);
            if (part >= COUNT) {
                countSums[part - COUNT] += rs.getLong(6);
            } else if (part == TIMELINE) {
                TimelineAsk asked = timelineAsked.orElseThrow();
                timeline.merge(asked.grain().bucketOf(rs.getLong(4)), sign(asked.runs().get(rs.getInt(2)))
                        * rs.getLong(6), Long::sum);
            } else {
                int run = rs.getInt(2);
                Grain grain = run == TOTAL_RUN ? Grain.TOTAL : RUNS.get(run);
                Ask ask = reports.get(part);
                long sign = ask.sign(run);
                Layer layer = Layer.of(rs.getShort(3));
                long bucket = rs.getLong(4);
                long version = rs.getLong(5);
                long[] sum = sums[part];
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += sign * rs.getLong(6 + i);
                }
                String dims = rs.getString(6 + sum.length);
                Breakdowns row;
                if (dims == null) {
                    row = held.get(new HeldKey(part, grain, bucket, layer, version));
                } else {
                    row = Breakdowns.of(dims, dictionary);
                    cache.put(new BreakdownCache.Series(grain, ask.scope(), ask.subject()), bucket, layer, version, row);
                }
                keySums[part] = row.addTo(keySums[part], sign);
                Optional<Grain> grainOfTimeline = ask.timeline();
                if (grainOfTimeline.isPresent()) {
                    reportTimelines.get(part).merge(grainOfTimeline.get().bucketOf(bucket), sign * rs.getLong(6),
                            Long::sum);
                }
            }
            return true;
        }).forEach(row -> { });
        List<WindowReport> answered = new ArrayList<>();
        for (int i = 0; i < reports.size(); i++) {
            WindowReport report = summarize(MessageCounts.of(sums[i]), keySums[i], reports.get(i).withInstances());
            answered.add(reports.get(i).timeline().isPresent() ? report.withTimeline(points(reportTimelines.get(i)))
                    : report);
        }
        return new Answers(answered, points(timeline), countSums);
    }

    // ---------------------------------------------------------------- the statements

    private static Shape shapeOf(List<PartKind> kinds) {
        for (Shape shape : Shape.values()) {
            if (shape.parts.equals(kinds)) {
                return shape;
            }
        }
        throw new IllegalStateException("no statement reads the parts " + kinds);
    }

    private static String prefix(int part) {
        return "p" + part + "_";
    }

    /** A shape's text: its parts joined, each with its prefix and tag; rendered once per shape. */
    private static String render(List<PartKind> kinds) {
        List<String> parts = new ArrayList<>();
        int reports = 0;
        int counted = 0;
        for (int part = 0; part < kinds.size(); part++) {
            String p = prefix(part);
            parts.add(switch (kinds.get(part)) {
                case REPORT -> reportPart(reports++, p);
                case TOTAL -> totalPart(reports++, p);
                case TIMELINE -> timelinePart(p);
                case COUNT -> countPart(counted++, p);
            });
        }
        return String.join("\nUNION ALL\n", parts);
    }

    private static String reportPart(int tag, String p) {
        return IntStream.range(0, RUNS.size()).mapToObj(run -> "SELECT " + tag + ", " + run + ", r.src, r.bucket, "
                + "r.version, " + COUNTERS + ", " + dimsUnlessKnown(p, Integer.toString(run))
                + " FROM <rollup>.msg_" + RUNS.get(run).suffix() + " AS r WHERE r.scope = :" + p + "scope AND "
                + "r.instance_id = :" + p + "subject AND r.bucket >= :" + p + "from" + run + " AND r.bucket < :" + p
                + "to" + run)
                .collect(Collectors.joining("\nUNION ALL\n"));
    }

    private static String totalPart(int tag, String p) {
        return "SELECT " + tag + ", " + TOTAL_RUN + ", r.src, r.bucket, r.version, " + COUNTERS + ", "
                + dimsUnlessKnown(p, "") + " FROM <rollup>.msg_total AS r WHERE r.scope = :" + p
                + "scope AND r.instance_id = :" + p + "subject AND r.bucket = 0";
    }

    /**
     * A row's breakdowns as text, or NULL when the reader already holds them: the row's bucket, source and version
     * are among the known ones. A subquery, so that PostgreSQL hashes the known rows once under any plan; a join to
     * them was planned, with the API's generic plans on small tables, as a nested loop that compared every row read
     * with every known one (benchmarks/sql/known-breakdowns-plans.sql).
     */
    private static String dimsUnlessKnown(String p, String run) {
        return "CASE WHEN (r.bucket, r.src, r.version) IN (SELECT * FROM unnest(:" + p + "kb" + run + "::int8[], :"
                + p + "ks" + run + "::int2[], :" + p + "kv" + run + "::int8[])) THEN NULL ELSE r.dims::text END";
    }

    private static String timelinePart(String p) {
        return IntStream.range(0, RUNS.size()).mapToObj(run -> "SELECT " + TIMELINE + ", " + run + ", r.src, "
                + "r.bucket, 0::int8, r.total" + ZERO_COUNTERS + ", NULL::text FROM <rollup>.msg_"
                + RUNS.get(run).suffix() + " AS r WHERE r.scope = :" + p + "scope AND r.instance_id = :" + p
                + "subject AND r.bucket >= :" + p + "from" + run + " AND r.bucket < :" + p + "to" + run)
                .collect(Collectors.joining("\nUNION ALL\n"));
    }

    private static String countPart(int index, String p) {
        return "SELECT " + (COUNT + index) + ", 0, 0::int2, 0::int8, 0::int8, coalesce(sum(c.total), 0)::int8"
                + ZERO_COUNTERS + ", NULL::text FROM (" + IntStream.range(0, RUNS.size()).mapToObj(run ->
                        "SELECT r.total * :" + p + "sign" + run + "::int8 AS total FROM <rollup>.msg_"
                                + RUNS.get(run).suffix() + " AS r WHERE r.scope = 0 "
                                + "AND r.bucket >= :" + p + "from" + run + " AND r.bucket < :" + p + "to" + run)
                .collect(Collectors.joining(" UNION ALL ")) + ") AS c";
    }

    /**
     * A plan as the five runs of the statements (minutes, hours, days, hours, minutes), runs it does not use empty:
     * each segment takes the next run of its grain.
     */
    static List<Segment> runs(List<Segment> plan) {
        List<Segment> runs = new ArrayList<>();
        int run = 0;
        for (Segment segment : plan) {
            while (run < RUNS.size() && RUNS.get(run) != segment.grain()) {
                runs.add(new Segment(RUNS.get(run), 0, 0));
                run++;
            }
            if (run == RUNS.size()) {
                throw new IllegalArgumentException("a plan of more runs than minutes, hours, days, hours, minutes: "
                        + plan);
            }
            runs.add(segment);
            run++;
        }
        while (run < RUNS.size()) {
            runs.add(new Segment(RUNS.get(run), 0, 0));
            run++;
        }
        return runs;
    }

    /** 1 for a run added to the answer, -1 for one taken from it. */
    private static long sign(Segment run) {
        return run.negative() ? -1 : 1;
    }

    static void bindRuns(Query query, String prefix, List<Segment> runs) {
        for (int run = 0; run < runs.size(); run++) {
            bindRun(query, prefix, run, runs.get(run));
        }
    }

    private static void bindRun(Query query, String prefix, int run, Segment segment) {
        query.bind(prefix + "from" + run, PgArguments.int8(segment.from()))
                .bind(prefix + "to" + run, PgArguments.int8(segment.to()));
    }

    // ---------------------------------------------------------------- summing

    /** The summed breakdowns, split into their maps (zero sums dropped). */
    private WindowReport summarize(MessageCounts counts, long[] keySums, boolean withInstances) {
        Map<Dim, Map<String, Long>> maps = new EnumMap<>(Dim.class);
        for (int id = 0; id < keySums.length; id++) {
            if (keySums[id] == 0) {
                continue;
            }
            BreakdownKeys.Key key = dictionary.key(id);
            if (key.dim() != Dim.INSTANCE) {
                maps.computeIfAbsent(key.dim(), k -> new HashMap<>()).put(key.name(), keySums[id]);
            }
        }
        return new WindowReport(counts, maps.getOrDefault(Dim.CHANNEL, Map.of()),
                maps.getOrDefault(Dim.CONTENT_TYPE, Map.of()), maps.getOrDefault(Dim.ERROR_STAGE, Map.of()),
                maps.getOrDefault(Dim.EVENT_TYPE, Map.of()),
                withInstances ? instances(keySums) : InstanceCounts.NONE, bins(maps.get(Dim.PROCESSING_BIN)),
                bins(maps.get(Dim.AGENT_BIN)), List.of());
    }

    /** The instances with a count, in their text order (the dictionary keeps it), with the text it holds. */
    private InstanceCounts instances(long[] keySums) {
        int[] order = dictionary.instancesInTextOrder();
        int n = 0;
        for (int id : order) {
            if (id < keySums.length && keySums[id] != 0) {
                n++;
            }
        }
        UUID[] ids = new UUID[n];
        String[] texts = new String[n];
        long[] sums = new long[n];
        int i = 0;
        for (int id : order) {
            if (id < keySums.length && keySums[id] != 0) {
                BreakdownKeys.Key key = dictionary.key(id);
                ids[i] = key.instance();
                texts[i] = key.name();
                sums[i++] = keySums[id];
            }
        }
        return InstanceCounts.ofOrdered(ids, texts, sums);
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

    private static Map<Long, Long> bins(Map<String, Long> keyed) {
        if (keyed == null) {
            return Map.of();
        }
        Map<Long, Long> bins = new HashMap<>();
        keyed.forEach((key, n) -> bins.put(Long.parseLong(key), n));
        return bins;
    }
}
