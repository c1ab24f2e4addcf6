package dev.omnirollup.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Reads as a dashboard sees them (issue 13): for each data set ({@link ClientDatasets}: rows spread evenly over
 * {@code --days}, {@code --instances} instances, plus a 10 k baseline) the rollups are built by the launcher's
 * {@code omni-rollup backfill} (timed), the API is started by the launcher's {@code omni-rollup serve}, and this JVM,
 * as a separate client process, times every dashboard endpoint with its default parameters over one keep-alive
 * connection and over a new connection per request, beside the server's own time (its {@code Server-Timing} header
 * and Prometheus histogram), the rows the database read per request ({@link TableReads}) and upstream's plain SQL for
 * metrics and analytics ({@link UpstreamTimer}). The service is driven only over HTTP and the launcher's command
 * line. Writes {@code client-latency*.csv/.md} and two plots.
 *
 * <p>Run: {@code benchmarks/run client [--sizes 1m,10m] [--instances 50,500] [--days 60] [--baseline 10k|none]
 * [--requests 2000] [--warmup 2000] [--read-requests 200] [--batch-budget 120s] [--budget 30s] [--max-age 2h]
 * [--fresh-data] [--launcher PATH] [--plan] [--smoke]}.
 */
final class ClientBench {
    static final String ROLLUP_SCHEMA = "rollup";
    private static final String OMNI_SCHEMA = "public";
    private static final Set<String> RAW_TABLES = Set.of(OMNI_SCHEMA + ".omni_events",
            OMNI_SCHEMA + ".automation_logs");

    private ClientBench() {
    }

    /** The run's parameters, from the command line. */
    record Settings(List<ClientDatasets.Shape> shapes, Optional<ClientDatasets.Shape> baseline, int requests,
                    int warmup, int readRequests, Duration batchBudget, Duration upstreamBudget, int upstreamMin,
                    int upstreamMax, Duration settle, Duration maxAge, boolean fresh, boolean smoke) {

        static Settings of(Args args) {
            boolean smoke = args.smoke();
            List<Long> sizes = args.sizes("sizes", smoke ? "1500" : "1m,10m");
            List<Integer> instances = args.ints("instances", smoke ? "4,12" : "50,500").stream().sorted().toList();
            int days = (int) args.count("days", smoke ? "1" : "60");
            String baselineText = args.value("baseline").orElse(smoke ? "1500" : "10k");
            Optional<ClientDatasets.Shape> baseline = baselineText.equals("none") ? Optional.empty()
                    : Optional.of(new ClientDatasets.Shape(Args.count(baselineText), instances.getFirst(), days));
            Set<ClientDatasets.Shape> shapes = new LinkedHashSet<>();
            baseline.ifPresent(shapes::add);
            for (long size : sizes) {
                for (int n : instances) {
                    shapes.add(new ClientDatasets.Shape(size, n, days));
                }
            }
            return new Settings(List.copyOf(shapes), baseline, (int) args.count("requests", smoke ? "20" : "2000"),
                    (int) args.count("warmup", smoke ? "5" : "2000"),
                    (int) args.count("read-requests", smoke ? "10" : "200"),
                    args.duration("batch-budget", smoke ? "5s" : "120s"), args.duration("budget", smoke ? "2s" : "30s"),
                    smoke ? 2 : 3, smoke ? 5 : 200, smoke ? Duration.ofMillis(300) : TableReads.SETTLE,
                    args.duration("max-age", "2h"), args.flag("fresh-data"), smoke);
        }
    }

    static void run(Args args, Report report) throws Exception {
        Settings settings = Settings.of(args);
        Datasets.log("client benchmark: " + settings.shapes().size() + " data sets, " + settings.requests()
                + " requests per endpoint and connection mode");
        for (ClientDatasets.Shape shape : settings.shapes()) {
            Datasets.log("  " + shape.label() + ", " + shape.days() + " days: "
                    + (settings.smoke() ? "scratch database" : ClientDatasets.plan(shape, settings.maxAge())));
        }
        if (args.flag("plan")) {
            Datasets.log("--plan: nothing run");
            return;
        }
        Launcher launcher = Launcher.locate(args.value("launcher"));
        String version = launcher.ensureBuilt(report.logs());
        Datasets.log("launcher " + launcher.command() + " (" + version + "; built by " + launcher.wrapper() + ")");
        List<DatasetRun> runs = new ArrayList<>();
        List<ClientResult> results = new ArrayList<>();
        try (FixedReplyServer floor = FixedReplyServer.start()) {
            for (ClientDatasets.Shape shape : settings.shapes()) {
                measure(shape, settings, launcher, floor, report.logs(), runs, results);
            }
        }
        List<String> notes = notes(settings, launcher, version);
        ClientReport.publish(report, runs, results, new ClientTargets(results, settings.baseline()), notes);
    }

    private static void measure(ClientDatasets.Shape shape, Settings settings, Launcher launcher,
                                FixedReplyServer floor, Path logs, List<DatasetRun> runs, List<ClientResult> results) {
        try (ClientDatasets.Dataset data = ClientDatasets.ensure(shape, settings.smoke(), settings.fresh(),
                settings.maxAge())) {
            String tag = "client-" + Args.label(shape.rows()) + "-i" + shape.instances();
            Datasets.log("omni-rollup backfill into empty rollups of " + data.name());
            LauncherBackfill.Result backfill = LauncherBackfill.run(launcher, tag + "-backfill", data.jdbcUrl(),
                    ROLLUP_SCHEMA, logs);
            Datasets.log(String.format(Locale.ROOT, "  %.1f s: %s", backfill.wall().toMillis() / 1000.0,
                    backfill.summary()));
            double[] sizes = ClientDatasets.sizes(data.jdbcUrl(), ROLLUP_SCHEMA);
            double flushed = ClientDatasets.checkpoint(data.jdbcUrl());
            Datasets.log(String.format(Locale.ROOT, "  CHECKPOINT after building and backfill: %.1f s", flushed));
            Duration age = data.age();
            Map<String, RequestBatch.Outcome[]> latency = new LinkedHashMap<>();
            Map<String, Double> serverMeans = new LinkedHashMap<>();
            Map<String, ClientResult.Reads> reads = new LinkedHashMap<>();
            List<ClientEndpoint> endpoints;
            TableReads.Background background;
            try (ServedApi api = ServedApi.start(launcher, tag + "-serve", data.jdbcUrl(), ROLLUP_SCHEMA, logs,
                    Duration.ofMinutes(2));
                 HttpProbe control = api.keepAlive();
                 HttpProbe keepAlive = api.keepAlive();
                 HttpProbe fresh = api.newConnections();
                 HttpProbe localKeepAlive = HttpProbe.keepAlive(ServedApi.HOST, floor.port(), "");
                 HttpProbe localFresh = HttpProbe.newConnectionEach(ServedApi.HOST, floor.port(), "")) {
                String instance = BusiestInstance.ask(control).orElse(new UUID(0, 0).toString());
                endpoints = new ArrayList<>(ClientEndpoint.dashboard(instance));
                endpoints.addAll(ClientEndpoint.references());
                Datasets.log("API up on port " + api.port() + "; warm-up: " + settings.warmup()
                        + " requests per endpoint");
                for (int i = 0; i < settings.warmup(); i++) {
                    for (ClientEndpoint e : endpoints) {
                        RequestBatch.warm(e.local() ? localKeepAlive : keepAlive, e.path(), 1);
                    }
                }
                for (ClientEndpoint e : endpoints) {
                    RequestBatch.warm(e.local() ? localFresh : fresh, e.path(), Math.max(1, settings.warmup() / 10));
                }
                for (ClientEndpoint e : endpoints) {
                    ServerMetrics before = ServerMetrics.scrape(control);
                    CpuSteal stealBefore = CpuSteal.now();
                    RequestBatch.Outcome ka = RequestBatch.run(e.local() ? localKeepAlive : keepAlive, e.path(),
                            e.expectedStatus(), settings.requests(), settings.batchBudget());
                    double mean = e.local() ? Double.NaN : ServerMetrics.scrape(control).busiestSince(before)
                            .map(ServerMetrics.RouteDelta::meanMillis).orElse(Double.NaN);
                    RequestBatch.Outcome nc = RequestBatch.run(e.local() ? localFresh : fresh, e.path(),
                            e.expectedStatus(), settings.requests(), settings.batchBudget());
                    latency.put(e.name(), new RequestBatch.Outcome[] {ka, nc});
                    serverMeans.put(e.name(), mean);
                    Datasets.log(String.format(Locale.ROOT, "  %-38s keep-alive p50 %7.3f p99 %7.3f ms | new conn"
                                    + " p50 %7.3f p99 %7.3f ms | server p50 %s ms | cpu steal %s", e.name(),
                            ka.client().p50(), ka.client().p99(), nc.client().p50(), nc.client().p99(),
                            Table.format(ka.server().p50()), CpuSteal.now().since(stealBefore)));
                }
                background = settings.readRequests() > 0
                        ? measureReads(data.jdbcUrl(), keepAlive, endpoints, settings, reads)
                        : TableReads.Background.NONE;
            }
            Map<String, Percentiles> upstream = new LinkedHashMap<>();
            for (ClientEndpoint e : endpoints) {
                if (e.upstream().isPresent()) {
                    Percentiles p = UpstreamTimer.time(data.jdbcUrl(), e.upstream().get(), settings.upstreamMin(),
                            settings.upstreamMax(), settings.upstreamBudget());
                    upstream.put(e.name(), p);
                    Datasets.log(String.format(Locale.ROOT, "  upstream SQL %-24s p50 %9.1f p99 %9.1f ms (%d calls)",
                            e.name(), p.p50(), p.p99(), p.n()));
                }
            }
            for (ClientEndpoint e : endpoints) {
                RequestBatch.Outcome[] outcomes = latency.get(e.name());
                results.add(new ClientResult(shape, e, outcomes[0], outcomes[1], serverMeans.get(e.name()),
                        reads.getOrDefault(e.name(), ClientResult.Reads.NONE),
                        upstream.getOrDefault(e.name(), Percentiles.NONE)));
            }
            String instance = endpoints.stream().filter(e -> e.name().equals("analytics instanceId"))
                    .map(e -> e.path().substring(e.path().indexOf('=') + 1)).findFirst().orElse("?");
            runs.add(new DatasetRun(shape, data.name(), data.reused(), age, data.generate(), data.cluster(), backfill,
                    sizes[0], sizes[1], sizes[2], instance, background.describe()));
        }
    }

    /**
     * Rows and pages read per request: after the counts of the latency runs are published, an idle window gives the
     * background; then each endpoint gets {@code readRequests} requests and a settle.
     */
    private static TableReads.Background measureReads(String jdbcUrl, HttpProbe probe, List<ClientEndpoint> endpoints,
                                                      Settings settings, Map<String, ClientResult.Reads> reads) {
        List<String> schemas = List.of(ROLLUP_SCHEMA, OMNI_SCHEMA);
        Datasets.log("rows read per request: " + settings.readRequests() + " requests per endpoint, "
                + settings.settle().toMillis() + " ms settle after each");
        ChildJvm.sleep(settings.settle().toMillis());
        TableReads idleStart = TableReads.snapshot(jdbcUrl, schemas);
        ChildJvm.sleep(settings.settle().toMillis());
        TableReads previous = TableReads.snapshot(jdbcUrl, schemas);
        TableReads.Background background = previous.ratesSince(idleStart);
        double n = settings.readRequests();
        for (ClientEndpoint e : endpoints) {
            if (e.local()) {
                continue;
            }
            RequestBatch.warm(probe, e.path(), settings.readRequests());
            ChildJvm.sleep(settings.settle().toMillis());
            TableReads now = TableReads.snapshot(jdbcUrl, schemas);
            TableReads.Counts rollup = now.since(previous, background, t -> t.startsWith(ROLLUP_SCHEMA + "."));
            TableReads.Counts raw = now.since(previous, background, RAW_TABLES::contains);
            reads.put(e.name(), new ClientResult.Reads(rollup.rows() / n, rollup.pages() / n, raw.rows() / n));
            previous = now;
        }
        return background;
    }

    private static List<String> notes(Settings s, Launcher launcher, String version) {
        List<String> notes = new ArrayList<>();
        notes.add("client: this benchmark's JVM, a separate process from the API; raw-socket HTTP/1.1 (HttpProbe, no"
                + " HTTP library), sequential requests; keep-alive = one connection for all; new conn = connect, request"
                + " with 'Connection: close', read to the last byte, timed from before connect; " + s.requests()
                + " requests per endpoint and mode (or " + s.batchBudget().toSeconds() + " s; n = keep-alive+new),"
                + " after " + s.warmup() + " warm-up requests per endpoint");
        String command = launcher.directory().relativize(launcher.command()).toString();
        notes.add("API: '" + command + " serve' (" + version + ") with JAVA_OPTS=" + ServedApi.javaOpts() + ","
                + " OMNI_ROLLUP_CACHE_TTL=0s (every request reads), the rate limit raised, everything else default;"
                + " rollups built by '" + command + " backfill' into an empty schema (the distribution that"
                + " ./omni-rollup builds and runs)");
        notes.add("server p50/p99 = the API's Server-Timing header on the keep-alive requests; server mean = delta of"
                + " the API's Prometheus histogram (sum/count of the route) around the keep-alive batch");
        notes.add("client floor = the same client against a fixed 2-byte reply served in its own JVM (client + loopback"
                + " TCP); 404 = the API's answer to an unknown path (its HTTP stack, key check included);"
                + " client cpu = the client thread's CPU per keep-alive request");
        notes.add("rows/pages per request: pg_stat_user_tables + pg_stat_user_indexes (seq_tup_read + idx_tup_read) and"
                + " pg_statio_user_tables (heap, index and TOAST buffers) deltas over " + s.readRequests()
                + " further requests, read " + s.settle().toMillis() + " ms after the last one (idle backends publish"
                + " their counts within 10 s), the idle background subtracted; rollup = schema '" + ROLLUP_SCHEMA
                + "', raw = omni_events + automation_logs");
        notes.add("upstream SQL = omni-sim UpstreamQueries on the same database (database + Jdbi time, no HTTP), up to "
                + s.upstreamMax() + " calls or " + s.upstreamBudget().toSeconds() + " s after one warm-up call;"
                + " x upstream = its p99 / our keep-alive p99 at the client");
        notes.add("p50<=1 & p99<=5 = keep-alive at the client (the targets are set for 10 M rows); p50 / baseline ="
                + " against the " + s.baseline().map(b -> Args.label(b.rows())).orElse("(none)") + " set with as many"
                + " instances; p50 / fewer instances = against the same size with the fewest instances");
        return notes;
    }
}
