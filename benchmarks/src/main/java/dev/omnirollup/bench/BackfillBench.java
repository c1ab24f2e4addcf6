package dev.omnirollup.bench;

import dev.omnirollup.store.Backfill;
import dev.omnirollup.store.RollupDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Backfill speed (issue 7 item 5): on a data set, the rollups are rebuilt from scratch in a separate schema
 * ({@code rollup_bench}) by {@link Backfill}, and compared with {@code SELECT count(*) FROM omni_events} on the same
 * table in the same run (best of three, before and after). Also reports the cost per day inside and outside the
 * external-id index horizon (days inside it also seed the index) and the CPU of PostgreSQL and of the driver.
 *
 * <p>Run: {@code benchmarks/run backfill [--sizes 1m,10m] [--pg-profile] [--smoke]}; profile the driver with
 * {@code BENCH_JAVA_OPTS="-Xmx3g -XX:StartFlightRecording=filename=backfill.jfr,settings=profile"}.
 */
final class BackfillBench {
    static final String SCHEMA = "rollup_bench";

    private BackfillBench() {
    }

    static void run(Args args, Report report) throws Exception {
        boolean smoke = args.smoke();
        List<Long> sizes = args.sizes("sizes", smoke ? "2000" : "1m,10m");
        Table table = new Table("backfill", "Backfill speed against a count(*) scan of the same table",
                "omni_events rows", "automation_logs rows", "count(*) seq scan s", "count(*) as planned s",
                "planned scan", "one GROUP BY pass s", "backfill s", "omni_events rows/s",
                "backfill / count(*) seq scan", "days", "ms/day (minute grain)", "ms/day (hour grain)",
                "slowest day ms", "db backends cpu s", "driver cpu s");
        double worstRate = Double.MAX_VALUE;
        double worstRatio = 0;
        for (long size : sizes) {
            try (Datasets.Dataset data = Datasets.ensure(size, smoke, args.flag("fresh-data"))) {
                double[] count1 = countStar(data.jdbcUrl(), true);
                double[] planned = countStar(data.jdbcUrl(), false);
                try (Connection c = DriverManager.getConnection(data.jdbcUrl()); Statement s = c.createStatement()) {
                    s.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
                }
                Datasets.log("backfill of " + data.label() + " rows into schema " + SCHEMA);
                try (RollupDatabase rollups = RollupDatabase.open(data.jdbcUrl(), SCHEMA, "public", 2,
                        "bench-backfill")) {
                    rollups.migrate();
                    rollups.ensureCutover(data.end());
                    Backfill backfill = new Backfill(rollups, InstantSource.system(), Datasets.MINUTE_RETENTION);
                    Backfill.Plan plan = backfill.plan(data.end(), Optional.empty(), Optional.empty());
                    List<long[]> days = new ArrayList<>();
                    long[] last = {System.nanoTime()};
                    BackendCpu backends = BackendCpu.start(data.name());
                    long self = ProcessHandle.current().pid();
                    double selfCpu0 = Procs.cpuSeconds(self);
                    PgSampler sampler = args.flag("pg-profile") ? PgSampler.start(BenchServers.postgresServer(),
                            data.name()) : null;
                    long started = System.nanoTime();
                    List<Backfill.DayResult> results = backfill.run(plan, false, () -> false, (p, r) -> {
                        long now = System.nanoTime();
                        days.add(new long[] {now - last[0], r.day()});
                        last[0] = now;
                    });
                    double seconds = (System.nanoTime() - started) / 1e9;
                    double backendCpu = backends.seconds();
                    if (sampler != null) {
                        sampler.close();
                        sampler.publish(report, "backfill-pg-profile-" + data.label(),
                                "PostgreSQL time by statement during the backfill of " + data.label() + " rows");
                    }
                    double selfCpu = Procs.cpuSeconds(self) - selfCpu0;
                    double[] count2 = countStar(data.jdbcUrl(), true);
                    double groupBy = groupByPass(data.jdbcUrl());
                    double count = Math.min(count1[0], count2[0]);
                    long eventRows = results.stream().mapToLong(Backfill.DayResult::eventRows).sum();
                    long logRows = results.stream().mapToLong(Backfill.DayResult::automationRows).sum();
                    // days inside the minute retention also write minute buckets
                    long minuteDays = data.end().minus(Datasets.MINUTE_RETENTION).getEpochSecond();
                    double minuteMs = days.stream().filter(d -> d[1] + 86_400 > minuteDays).mapToLong(d -> d[0])
                            .average().orElse(0) / 1e6;
                    double hourMs = days.stream().filter(d -> d[1] + 86_400 <= minuteDays).mapToLong(d -> d[0])
                            .average().orElse(0) / 1e6;
                    double slowest = days.stream().mapToLong(d -> d[0]).max().orElse(0) / 1e6;
                    double rate = eventRows / seconds;
                    double ratio = seconds / count;
                    worstRate = Math.min(worstRate, rate);
                    worstRatio = Math.max(worstRatio, ratio);
                    table.add(Args.label(size), logRows, count, planned[0], planOf(data.jdbcUrl()), groupBy,
                            seconds, rate, ratio,
                            days.size(), minuteMs, hourMs, slowest,
                            backendCpu, selfCpu);
                    Datasets.log(String.format(Locale.ROOT, "  %s rows: backfill %.1f s (%.0f rows/s),"
                            + " count(*) seq scan %.2f s,"
                            + " ratio %.1f", data.label(), seconds, rate, count, ratio));
                }
                if (!args.flag("keep-data")) {
                    try (Connection c = DriverManager.getConnection(data.jdbcUrl());
                         Statement s = c.createStatement()) {
                        s.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
                    }
                }
            }
        }
        table.note(String.format(Locale.ROOT, "target >= 1 000 000 omni_events rows/s: %s (slowest %.0f)",
                worstRate >= 1_000_000 ? "MET" : "MISSED", worstRate));
        table.note(String.format(Locale.ROOT, "target backfill <= 3x count(*): %s (worst %.1fx)",
                worstRatio <= 3 ? "MET" : "MISSED", worstRatio));
        table.note("count(*) seq scan = SELECT count(*) FROM omni_events with index scans disabled (it reads every row,"
                + " as backfill must), best of three before and three after the backfill; as planned = PostgreSQL's own"
                + " choice (an index-only scan of a small index when the visibility map allows: reads no row)");
        table.note("one GROUP BY pass = the whole table aggregated once by backfill's grouping keys (hour, instance,"
                + " channel, direction, type, content type, error stage, status, latencies), nothing written: the floor"
                + " of any design that aggregates in PostgreSQL");
        table.note("days inside the "
                + Datasets.MINUTE_RETENTION.toDays() + "-day minute retention also write minute buckets");
        table.publish(report);
    }

    /** Seconds of the fastest of three {@code count(*)} runs, and the count; {@code seqScan} forbids index scans. */
    private static double[] countStar(String url, boolean seqScan) throws SQLException {
        double best = Double.MAX_VALUE;
        long n = 0;
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            if (seqScan) {
                s.execute("SET enable_indexscan = off");
                s.execute("SET enable_indexonlyscan = off");
                s.execute("SET enable_bitmapscan = off");
            }
            for (int i = 0; i < 3; i++) {
                long t0 = System.nanoTime();
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM omni_events")) {
                    rs.next();
                    n = rs.getLong(1);
                }
                best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            }
        }
        return new double[] {best, n};
    }

    /** Seconds of one aggregate over the whole table by backfill's grouping keys (result discarded). */
    private static double groupByPass(String url) throws SQLException {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("SET work_mem = '256MB'");
            long t0 = System.nanoTime();
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM (SELECT date_trunc('hour', received_at),"
                    + " instance_id, channel, direction, event_type, content_type, error_stage, status,"
                    + " processing_time_ms, agent_latency_ms, count(*) FROM omni_events"
                    + " GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10) g")) {
                rs.next();
            }
            return (System.nanoTime() - t0) / 1e9;
        }
    }

    private static String planOf(String url) {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("EXPLAIN SELECT count(*) FROM omni_events")) {
            StringBuilder plan = new StringBuilder();
            while (rs.next()) {
                String line = rs.getString(1).trim();
                if (line.contains("Scan")) {
                    plan.append(line.replaceAll("^->\\s*", "").replaceAll("\\s*\\(cost.*", "")
                            .replaceAll(" on .*", ""));
                    break;
                }
            }
            return plan.toString();
        } catch (SQLException e) {
            return "?";
        }
    }
}
