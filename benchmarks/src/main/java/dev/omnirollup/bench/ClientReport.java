package dev.omnirollup.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The client benchmark's output: the latency table ({@code client-latency}), the data sets
 * ({@code client-latency-data}), the targets ({@code client-latency-targets}) and two log-log plots, p50 and p99 at
 * the client against rows ({@code client-latency-rows.png}) and against instances
 * ({@code client-latency-instances.png}). Stateless.
 */
final class ClientReport {
    private ClientReport() {
    }

    static void publish(Report report, List<DatasetRun> runs, List<ClientResult> results, ClientTargets targets,
                        List<String> notes) {
        Table data = new Table("client-latency-data", "Data sets of the client benchmark", "rows", "instances",
                "days", "database", "reused", "data age at start min", "generate s", "cluster+vacuum s",
                "launcher backfill s", "omni_events MB", "rollup MB", "rollup rows", "instanceId used",
                "idle background reads", "backfill's report");
        for (DatasetRun run : runs) {
            data.add(Args.label(run.shape().rows()), run.shape().instances(), run.shape().days(), run.database(),
                    run.reused() ? "yes" : "no", run.dataAge().toSeconds() / 60.0, seconds(run.generate()),
                    seconds(run.cluster()), seconds(run.backfill().wall()), run.omniMb(), run.rollupMb(),
                    (long) run.rollupRows(), run.instance(), run.background(), run.backfill().summary());
        }
        data.note("rows spread evenly over the days before the build (BulkHistory, Spread.EVEN): events in every minute"
                + " when rows >= minutes (86 400 for 60 days), else one event every days*1440/rows minutes; instances"
                + " busier and quieter ones, all active; rows/50 automation logs, rows/2000 dead letters, rows/100"
                + " payloads; CLUSTERed by time; rollups dropped and rebuilt by the launcher's backfill on every run");
        data.publish(report);

        Table table = new Table("client-latency", "Reads at the client: dashboard endpoints over HTTP on loopback",
                "rows", "instances", "endpoint", "keep-alive p50 ms", "keep-alive p99 ms", "keep-alive max ms",
                "new conn p50 ms", "new conn p99 ms", "new conn max ms", "server p50 ms", "server p99 ms",
                "server mean ms (Prometheus)", "body bytes", "client cpu us/req", "rollup rows/req", "rollup pages/req",
                "raw rows/req", "upstream SQL p50 ms", "upstream SQL p99 ms", "upstream calls", "x upstream at p99", "p50 / baseline",
                "p50 / fewer instances", "p50<=1 & p99<=5", "n", "errors");
        for (ClientResult r : results) {
            RequestBatch.Outcome ka = r.keepAlive();
            RequestBatch.Outcome fresh = r.fresh();
            boolean hasUpstream = r.upstream().n() > 0;
            table.add(Args.label(r.shape().rows()), r.shape().instances(), r.endpoint().name(), ka.client().p50(),
                    ka.client().p99(), ka.client().max(), fresh.client().p50(), fresh.client().p99(),
                    fresh.client().max(), r.endpoint().local() ? null : ka.server().p50(),
                    r.endpoint().local() ? null : ka.server().p99(), r.endpoint().local() ? null : r.serverMeanMs(),
                    ka.bodyBytes(), ka.clientCpuMicros(), r.endpoint().local() ? null : r.reads().rollupRows(),
                    r.endpoint().local() ? null : r.reads().rollupPages(),
                    r.endpoint().local() ? null : r.reads().rawRows(), hasUpstream ? r.upstream().p50() : null,
                    hasUpstream ? r.upstream().p99() : null, hasUpstream ? r.upstream().n() : null,
                    hasUpstream ? r.upstreamRatioP99() : null,
                    targets.p50OverBaseline(r), targets.p50OverFewerInstances(r),
                    r.endpoint().dashboard() ? (r.meetsLatencyTarget(ka) ? "pass" : "FAIL") : null,
                    ka.client().n() + "+" + fresh.client().n(), ka.errors() + fresh.errors());
        }
        notes.forEach(table::note);
        table.publish(report);
        targets.table().publish(report);

        plotAgainstRows(report, results);
        plotAgainstInstances(report, results);
    }

    private static void plotAgainstRows(Report report, List<ClientResult> results) {
        int instances = results.stream().mapToInt(r -> r.shape().instances()).min().orElse(0);
        List<ClientResult> set = results.stream().filter(r -> r.shape().instances() == instances).toList();
        List<Long> xs = set.stream().map(r -> r.shape().rows()).distinct().sorted().toList();
        LogLogPlot plot = new LogLogPlot("p50 (solid) and p99 (dashed) at the client, keep-alive, " + instances
                + " instances" + (report.smoke() ? " (smoke sizes)" : ""), "omni_events rows", "latency (log)");
        draw(plot, set, xs.stream().map(Long::doubleValue).toList(), r -> r.shape().rows());
        plot.write(report.out().resolve("client-latency-rows.png"));
    }

    private static void plotAgainstInstances(Report report, List<ClientResult> results) {
        long rows = results.stream().mapToLong(r -> r.shape().rows()).max().orElse(0);
        List<ClientResult> set = results.stream().filter(r -> r.shape().rows() == rows).toList();
        List<Integer> xs = set.stream().map(r -> r.shape().instances()).distinct().sorted().toList();
        LogLogPlot plot = new LogLogPlot("p50 (solid) and p99 (dashed) at the client, keep-alive, "
                + Args.label(rows) + " rows" + (report.smoke() ? " (smoke sizes)" : ""), "instances",
                "latency (log)");
        draw(plot, set, xs.stream().map(Integer::doubleValue).toList(), r -> r.shape().instances());
        plot.write(report.out().resolve("client-latency-instances.png"));
    }

    private static void draw(LogLogPlot plot, List<ClientResult> set, List<Double> xs,
                             ToDoubleFunction<ClientResult> x) {
        List<String> endpoints = set.stream().filter(r -> r.endpoint().dashboard()).map(r -> r.endpoint().name())
                .distinct().toList();
        double[] xArray = xs.stream().mapToDouble(Double::doubleValue).toArray();
        for (int i = 0; i < endpoints.size(); i++) {
            String name = endpoints.get(i);
            double[] p50 = new double[xArray.length];
            double[] p99 = new double[xArray.length];
            for (int j = 0; j < xArray.length; j++) {
                double at = xArray[j];
                ClientResult r = set.stream().filter(c -> c.endpoint().name().equals(name)
                        && x.applyAsDouble(c) == at).findFirst().orElse(null);
                p50[j] = r == null ? Double.NaN : r.keepAlive().client().p50();
                p99[j] = r == null ? Double.NaN : r.keepAlive().client().p99();
            }
            plot.add(name + " p50", i, false, xArray, p50);
            plot.add(name + " p99", i, true, xArray, p99);
        }
        plot.horizontal(ClientTargets.P50_MS, "target p50: 1 ms");
        plot.horizontal(ClientTargets.P99_MS, "target p99: 5 ms");
    }

    private static double seconds(Duration d) {
        return d.toMillis() / 1000.0;
    }
}
