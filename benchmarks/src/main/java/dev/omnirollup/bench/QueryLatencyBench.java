package dev.omnirollup.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.omnirollup.sim.UpstreamQueries;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * Query latency against table size (issue 7 item 2): for each data set size and each dashboard endpoint, p50/p99 of
 * omni-rollup's server time ({@code Server-Timing}) and end-to-end HTTP time (one keep-alive connection, sequential
 * requests, caching off), and of the baseline: upstream's SQL ({@link UpstreamQueries}) on the same database with
 * upstream's indexes, timed around the calls (its "server time"). Writes {@code query-latency.csv},
 * {@code query-latency.png} and {@code query-latency-p50.png} (log-log, p99 and p50 against raw rows) and the API's
 * memory.
 *
 * <p>Run: {@code benchmarks/run query [--sizes 10k,100k,1m,10m] [--iterations 500] [--budget 20s] [--smoke]}.
 */
final class QueryLatencyBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    private QueryLatencyBench() {
    }

    /** Upstream's SQL for one endpoint. */
    @FunctionalInterface
    interface Baseline {
        Object run(Handle c, Instant now) throws SQLException;
    }

    record Endpoint(String name, String path, Baseline baseline) {
    }

    static List<Endpoint> endpoints(UUID instance) {
        List<Endpoint> all = new ArrayList<>();
        all.add(new Endpoint("metrics", "/api/v2/event-ops/metrics", UpstreamQueries::metrics));
        all.add(new Endpoint("analytics (24h default)", "/api/v2/events/analytics",
                (c, now) -> UpstreamQueries.analytics(c, now, Optional.empty(), Optional.empty(), Optional.empty(),
                        Optional.empty(), false)));
        all.add(new Endpoint("analytics allTime", "/api/v2/events/analytics?allTime=true",
                (c, now) -> UpstreamQueries.analytics(c, now, Optional.empty(), Optional.empty(), Optional.empty(),
                        Optional.empty(), true)));
        all.add(new Endpoint("analytics hourly", "/api/v2/events/analytics?granularity=hourly",
                (c, now) -> UpstreamQueries.analytics(c, now, Optional.empty(), Optional.empty(), Optional.empty(),
                        Optional.of("hourly"), false)));
        all.add(new Endpoint("analytics instanceId", "/api/v2/events/analytics?instanceId=" + instance,
                (c, now) -> UpstreamQueries.analytics(c, now, Optional.empty(), Optional.empty(), Optional.of(instance),
                        Optional.empty(), false)));
        all.add(new Endpoint("dead-letters", "/api/v2/dead-letters/stats",
                (c, now) -> UpstreamQueries.deadLetterStats(c)));
        all.add(new Endpoint("automation-metrics", "/api/v2/automation-metrics", UpstreamQueries::automationMetrics));
        // upstream has no dashboard endpoint: its dashboard page makes these calls
        all.add(new Endpoint("dashboard", "/api/v2/dashboard", (c, now) -> {
            UpstreamQueries.metrics(c, now);
            UpstreamQueries.analytics(c, now, Optional.empty(), Optional.empty(), Optional.empty(),
                    Optional.of("hourly"), false);
            UpstreamQueries.deadLetterStats(c);
            UpstreamQueries.automationMetrics(c, now);
            return health(c);
        }));
        all.add(new Endpoint("health", "/api/v2/health", (c, now) -> health(c)));
        return all;
    }

    private static Object health(Handle c) throws SQLException {
        try (Statement s = c.getConnection().createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
            rs.next();
        }
        return UpstreamQueries.healthInstances(c);
    }

    static void run(Args args, Report report) throws Exception {
        boolean smoke = args.smoke();
        List<Long> sizes = args.sizes("sizes", smoke ? "2000" : "10k,100k,1m,10m");
        int iterations = (int) args.count("iterations", smoke ? "20" : "500");
        Duration budget = args.duration("budget", smoke ? "2s" : "20s");
        int baselineMax = smoke ? 5 : 50;
        Table table = new Table("query-latency", "Query latency against raw rows: omni-rollup vs upstream's SQL",
                "rows", "endpoint", "ours server p50 ms", "ours server p99 ms", "ours e2e p50 ms", "ours e2e p99 ms",
                "baseline p50 ms", "baseline p99 ms", "speed-up p50", "speed-up p99", "ours n", "baseline n",
                "errors");
        Table memory = ChildJvm.memoryTable("query-latency-memory", "Query API memory during the latency runs");
        Map<String, Map<Long, double[]>> byEndpoint = new LinkedHashMap<>();
        for (long size : sizes) {
            try (Datasets.Dataset data = Datasets.ensure(size, smoke, args.flag("fresh-data"));
                 ApiProcess.Running api = ApiProcess.start("api-query-" + data.label(), data.jdbcUrl(),
                         "BENCH_NO_MESSAGE", "BENCH_NO_AUTOMATION", "bench", report.logs(),
                         args.flag("jfr"), args.value("api-pg-options").orElse(""))) {
                List<Endpoint> endpoints = endpoints(data.busiest());
                Datasets.log("query latency at " + data.label() + " rows: " + iterations + " requests per endpoint");
                Map<String, Latency[]> ours = new LinkedHashMap<>();
                Map<String, Integer> errors = new LinkedHashMap<>();
                long ourTotal = -1;
                try (HttpProbe probe = api.probe()) {
                    for (Endpoint endpoint : endpoints) {
                        Latency server = new Latency();
                        Latency e2e = new Latency();
                        int failed = 0;
                        for (int i = 0; i < Math.max(3, iterations / 10); i++) {
                            probe.get(endpoint.path());
                        }
                        for (int i = 0; i < iterations; i++) {
                            long t0 = System.nanoTime();
                            HttpProbe.Reply reply = probe.get(endpoint.path());
                            long t1 = System.nanoTime();
                            if (reply.status() != 200) {
                                failed++;
                                if (failed == 1) {
                                    Datasets.log("  " + endpoint.name() + " answered " + reply.status() + ": "
                                            + reply.text());
                                }
                                continue;
                            }
                            e2e.recordNanos(t1 - t0);
                            server.recordMillis(reply.serverMillis());
                            if (i == 0 && endpoint.name().equals("metrics")) {
                                ourTotal = totalEvents(reply);
                            }
                        }
                        ours.put(endpoint.name(), new Latency[] {server, e2e});
                        errors.put(endpoint.name(), failed);
                    }
                }
                ChildJvm.addMemoryRows(memory, Args.label(size) + " rows", List.of(api.child()));
                Datasets.log("baseline (upstream SQL) at " + data.label() + " rows: up to " + baselineMax
                        + " calls or " + budget.toSeconds() + " s per endpoint");
                long baselineTotal = -1;
                try (Handle c = UpstreamTimer.open(data.jdbcUrl())) {
                    for (Endpoint endpoint : endpoints) {
                        Latency baseline = new Latency();
                        endpoint.baseline().run(c, Instant.now()); // warm-up
                        long started = System.nanoTime();
                        int n = 0;
                        while (n < baselineMax && (n < 3 || System.nanoTime() - started < budget.toNanos())) {
                            long t0 = System.nanoTime();
                            Object result = endpoint.baseline().run(c, Instant.now());
                            baseline.recordNanos(System.nanoTime() - t0);
                            if (n == 0 && result instanceof UpstreamQueries.Metrics m) {
                                baselineTotal = m.totalEvents();
                            }
                            n++;
                        }
                        Latency[] o = ours.get(endpoint.name());
                        double ratio50 = baseline.p50() / o[0].p50();
                        double ratio99 = baseline.p99() / o[0].p99();
                        table.add(Args.label(size), endpoint.name(), o[0].p50(), o[0].p99(), o[1].p50(), o[1].p99(),
                                baseline.p50(), baseline.p99(), ratio50, ratio99, o[0].count(), baseline.count(),
                                errors.get(endpoint.name()));
                        byEndpoint.computeIfAbsent(endpoint.name(), k -> new LinkedHashMap<>())
                                .put(size, new double[] {o[0].p99(), baseline.p99(), o[0].p50(), baseline.p50()});
                        Datasets.log(String.format(Locale.ROOT,
                                "  %-24s ours p99 %8.3f ms   baseline p99 %10.1f ms", endpoint.name(), o[0].p99(),
                                baseline.p99()));
                    }
                }
                if (ourTotal != baselineTotal) {
                    table.note("WARNING at " + Args.label(size) + ": totalEvents differs, ours " + ourTotal
                            + " vs upstream SQL " + baselineTotal);
                }
            }
        }
        args.value("api-pg-options").ifPresent(o -> table.note("API connections with PostgreSQL options: " + o));
        notes(table, byEndpoint, sizes);
        table.publish(report);
        memory.publish(report);
        plot(byEndpoint, sizes, report.out().resolve("query-latency.png"), report.smoke(), "p99", 0);
        plot(byEndpoint, sizes, report.out().resolve("query-latency-p50.png"), report.smoke(), "p50", 2);
    }

    private static long totalEvents(HttpProbe.Reply reply) {
        try {
            JsonNode node = JSON.readTree(reply.body());
            return node.path("data").path("totalEvents").asLong(-1);
        } catch (IOException e) {
            return -1;
        }
    }

    private static void notes(Table table, Map<String, Map<Long, double[]>> byEndpoint, List<Long> sizes) {
        long largest = sizes.stream().mapToLong(Long::longValue).max().orElse(0);
        long smallest = sizes.stream().mapToLong(Long::longValue).min().orElse(0);
        boolean all5ms = true;
        double worst = 0;
        String worstName = "";
        double worstGrowth = 0;
        String worstGrowthName = "";
        for (var entry : byEndpoint.entrySet()) {
            double[] big = entry.getValue().get(largest);
            double[] small = entry.getValue().get(smallest);
            if (big == null || small == null) {
                continue;
            }
            if (big[0] > 5) {
                all5ms = false;
            }
            if (big[0] > worst) {
                worst = big[0];
                worstName = entry.getKey();
            }
            double growth = big[0] / small[0];
            if (growth > worstGrowth) {
                worstGrowth = growth;
                worstGrowthName = entry.getKey();
            }
        }
        table.note(String.format(Locale.ROOT,
                "target p99 <= 5 ms at %s rows: %s (worst %s %.2f ms)", Args.label(largest), all5ms ? "MET" : "MISSED",
                worstName, worst));
        table.note(String.format(Locale.ROOT,
                "target p99 at %s within 1.5x of %s: %s (largest growth %s %.2fx)", Args.label(largest),
                Args.label(smallest), worstGrowth <= 1.5 ? "MET" : "MISSED", worstGrowthName, worstGrowth));
        for (String name : List.of("metrics", "analytics allTime")) {
            double[] big = byEndpoint.getOrDefault(name, Map.of()).get(largest);
            if (big != null) {
                double ratio = big[1] / big[0];
                table.note(String.format(Locale.ROOT, "target >= 1000x for %s at %s rows (p99): %s (%.0fx)",
                        name, Args.label(largest), ratio >= 1000 ? "MET" : "MISSED", ratio));
            }
        }
        table.note("server time = Server-Timing header (omni-rollup) / time around the Jdbi calls (baseline, same"
                + " process as the load driver); e2e = one keep-alive HTTP connection, sequential requests;"
                + " speed-up = baseline / ours server time");
    }

    /** {@code index}: 0 = p99 (ours at 0, baseline at 1), 2 = p50 (ours at 2, baseline at 3). */
    private static void plot(Map<String, Map<Long, double[]>> byEndpoint, List<Long> sizes, Path file, boolean smoke,
                             String percentile, int index) {
        LogLogPlot plot = new LogLogPlot("Server time " + percentile + " against raw omni_events rows"
                + (smoke ? " (smoke sizes)" : ""), "omni_events rows", percentile + " latency (log)");
        int colour = 0;
        for (var entry : byEndpoint.entrySet()) {
            double[] xs = sizes.stream().mapToDouble(Long::doubleValue).toArray();
            double[] ours = new double[xs.length];
            double[] base = new double[xs.length];
            for (int i = 0; i < xs.length; i++) {
                double[] v = entry.getValue().get(sizes.get(i));
                ours[i] = v == null ? Double.NaN : v[index];
                base[i] = v == null ? Double.NaN : v[index + 1];
            }
            plot.add(entry.getKey() + " (omni-rollup)", colour, false, xs, ours);
            plot.add(entry.getKey() + " (upstream SQL)", colour, true, xs, base);
            colour++;
        }
        plot.horizontal(5, "target: 5 ms");
        plot.write(file);
    }
}
