package dev.omnirollup.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;

/**
 * Reads as a dashboard sees them (issue 13): for each data set ({@link ClientDatasets}: rows spread evenly over
 * {@code --days}, {@code --instances} instances, plus a 10 k baseline) the rollups are built by the launcher's
 * {@code omni-rollup backfill} (timed), an API is started on each by the launcher's {@code omni-rollup serve}, those
 * compared with each other up at once ({@link #groups}), and this JVM, as a separate client process, times every
 * dashboard endpoint with its default parameters over one keep-alive connection and over a new connection per
 * request, in rounds interleaved over those sets, beside the server's own time (its {@code Server-Timing} header and
 * Prometheus histogram), the rows the database read per request ({@link TableReads}) and upstream's plain SQL for
 * metrics and analytics ({@link UpstreamTimer}). The service is driven only over HTTP and the launcher's command
 * line. Writes {@code client-latency*.csv/.md} and two plots.
 *
 * <p>Run: {@code benchmarks/run client [--sizes 1m,10m] [--instances 50,500] [--days 60] [--baseline 10k|none]
 * [--baseline-days N] [--requests 2000] [--warmup 2000] [--read-requests 200] [--batch-budget 120s] [--budget 30s]
 * [--max-age 2h] [--fresh-data] [--launcher PATH] [--plan] [--smoke]}.
 */
final class ClientBench {
    static final String ROLLUP_SCHEMA = "rollup";
    private static final String OMNI_SCHEMA = "public";
    /** Rounds the timed requests of every endpoint are split into, interleaved over the data sets. */
    static final int ROUNDS = 10;
    /** Keep-alive requests per endpoint in one round of the warm-up (a tenth as many on new connections). */
    private static final int WARM_ROUND = 20;
    /** Warm-up passes at most; a pass is {@code --warmup} requests per endpoint. */
    private static final int WARM_PASSES = 6;
    /** The APIs' JIT is quiet when a warm-up pass made each compile at most this many methods. */
    private static final long QUIET_COMPILES = 20;
    /** The longest wait for the APIs to go idle after the warm-up. */
    private static final Duration SETTLE_LIMIT = Duration.ofSeconds(60);
    /** CPU seconds per second under which an API counts as idle. */
    private static final double IDLE_CPU = 0.05;
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
                    : Optional.of(baselineShape(Args.count(baselineText), instances.getFirst(), args));
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

    /**
     * The baseline set: as many instances as the smallest run, over {@code --baseline-days} or, by default, the
     * longest span in which every minute still holds an event ({@link ClientDatasets#denseDays}). Spread over the
     * 60 days of the big sets, 10 k rows would leave most minutes and many hours empty, so its windows would read
     * fewer and smaller rows and the ratio would measure the data's density instead of the table's size.
     */
    private static ClientDatasets.Shape baselineShape(long rows, int instances, Args args) {
        int days = args.value("baseline-days").map(d -> (int) Args.count(d))
                .orElse(ClientDatasets.denseDays(rows));
        return new ClientDatasets.Shape(rows, instances, days);
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
        List<SetUnderTest> sets = new ArrayList<>();
        try (FixedReplyServer floor = FixedReplyServer.start()) {
            for (ClientDatasets.Shape shape : settings.shapes()) {
                sets.add(SetUnderTest.prepare(shape, settings, launcher, report.logs()));
            }
            for (List<SetUnderTest> group : groups(sets, settings.baseline())) {
                Datasets.log("timing together: "
                        + String.join(" | ", group.stream().map(set -> set.shape.label()).toList()));
                for (SetUnderTest set : group) {
                    set.serve(launcher, floor, report.logs());
                }
                warm(group, settings);
                settle(group);
                time(group, settings);
                for (SetUnderTest set : group) {
                    if (settings.readRequests() > 0) {
                        Datasets.log("rows read per request on " + set.shape.label());
                        set.background = measureReads(set.data.jdbcUrl(), set.keepAlive, set.endpoints, settings,
                                set.reads);
                    }
                }
                group.forEach(SetUnderTest::stopApi);
            }
            for (SetUnderTest set : sets) {
                set.collect(settings, results, runs);
            }
        } finally {
            sets.forEach(SetUnderTest::close);
        }
        List<String> notes = notes(settings, launcher, version);
        ClientReport.publish(report, runs, results, new ClientTargets(results, settings.baseline()), notes);
    }

    /**
     * The sets whose APIs are up and timed together: those of one size, the baseline with the largest size (the
     * targets compare 10 M rows with 10 k and 500 instances with 50). Not all at once: every API refreshes its live
     * counts in the background (at 10 M rows a count of 100 k stored payloads every 5 s), and five of them on two
     * cores put more of that under the timed requests than one installation's API does.
     */
    private static List<List<SetUnderTest>> groups(List<SetUnderTest> sets, Optional<ClientDatasets.Shape> baseline) {
        long largest = sets.stream().mapToLong(set -> set.shape.rows()).max().orElse(0);
        Map<Long, List<SetUnderTest>> groups = new LinkedHashMap<>();
        for (SetUnderTest set : sets) {
            long key = baseline.filter(set.shape::equals).isPresent() ? largest : set.shape.rows();
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(set);
        }
        return List.copyOf(groups.values());
    }

    /**
     * Warm-up: every set's endpoints in turn, in rounds of {@link #WARM_ROUND} keep-alive requests and a tenth as
     * many on new connections, through the very code the timed rounds run ({@link SetUnderTest#round}: the client's
     * tallies, the scrape of the API's own metrics around each batch), the results thrown away; in passes of
     * {@code --warmup} requests per endpoint until a pass makes no API compile more than {@link #QUIET_COMPILES}
     * methods (at most {@link #WARM_PASSES}; one with {@code --smoke}). One pass was not enough: on 2026-12-05 the
     * API's JIT still compiled 30–100 methods a second through the first timed endpoints, and the requests slower
     * than 1 ms at the client followed it second by second (finding Q8).
     */
    private static void warm(List<SetUnderTest> sets, Settings settings) {
        Datasets.log("warm-up: passes of " + settings.warmup() + " requests per endpoint on each of " + sets.size()
                + " APIs until their JIT is quiet");
        int passes = settings.smoke() ? 1 : WARM_PASSES;
        for (int pass = 1; pass <= passes; pass++) {
            List<OptionalLong> before = sets.stream().map(SetUnderTest::jitCompiles).toList();
            sets.forEach(set -> set.warmPass(settings.warmup(), settings.batchBudget()));
            List<Long> compiled = new ArrayList<>();
            for (int i = 0; i < sets.size(); i++) {
                OptionalLong after = sets.get(i).jitCompiles();
                compiled.add(before.get(i).isPresent() && after.isPresent()
                        ? after.getAsLong() - before.get(i).getAsLong() : -1L);
            }
            Datasets.log("warm-up pass " + pass + ": methods each API compiled during it " + compiled
                    + (compiled.contains(-1L) ? " (-1: not readable)" : ""));
            if (compiled.stream().allMatch(n -> n >= 0 && n <= QUIET_COMPILES) || compiled.contains(-1L)) {
                break;
            }
        }
    }

    /**
     * After the warm-up, waits (up to {@link #SETTLE_LIMIT}) until every API has been idle — under
     * {@link #IDLE_CPU} of a core — for two seconds in a row, so that no compiling or collecting left over from the
     * warm-up runs on the cores the timed requests need (finding Q5), and logs each API's CPU in the first second.
     * In the runs of 2026-12-05 the APIs were already idle (0–1 %): a guard and its evidence, not a cure of the tail.
     */
    private static void settle(List<SetUnderTest> sets) {
        long start = System.nanoTime();
        double[] first = null;
        int quiet = 0;
        while (quiet < 2 && System.nanoTime() - start < SETTLE_LIMIT.toNanos()) {
            double[] before = sets.stream().mapToDouble(SetUnderTest::apiCpuSeconds).toArray();
            ChildJvm.sleep(1000);
            double[] busy = new double[sets.size()];
            for (int i = 0; i < busy.length; i++) {
                busy[i] = sets.get(i).apiCpuSeconds() - before[i];
            }
            first = first == null ? busy : first;
            quiet = Arrays.stream(busy).allMatch(cpu -> cpu < IDLE_CPU) ? quiet + 1 : 0;
        }
        Datasets.log(String.format(Locale.ROOT, "settle after the warm-up: %.1f s until every API was idle (under %.0f %%"
                        + " of a core) for 2 s in a row%s; their CPU in the first second: %s",
                (System.nanoTime() - start) / 1e9, IDLE_CPU * 100, quiet < 2 ? " (not reached: limit)" : "",
                Arrays.stream(first).mapToObj(cpu -> String.format(Locale.ROOT, "%.0f %%", cpu * 100)).toList()));
    }

    /**
     * The timed requests, endpoint by endpoint, in {@link #ROUNDS} rounds: each round gives every set (in an order
     * that turns each round) a tenth of its keep-alive requests and then a tenth of its new-connection ones. The data
     * sets are compared with each other (10 M against 10 k, 500 instances against 50), and a shared virtual machine
     * has slow minutes; interleaved, such a minute falls on every set alike instead of on whichever was measured then.
     */
    private static void time(List<SetUnderTest> sets, Settings settings) {
        int endpoints = sets.getFirst().endpoints.size();
        int perRound = Math.max(1, settings.requests() / ROUNDS);
        Duration budget = settings.batchBudget().dividedBy(ROUNDS);
        for (int i = 0; i < endpoints; i++) {
            CpuSteal stealBefore = CpuSteal.now();
            for (int round = 0; round < ROUNDS; round++) {
                for (int k = 0; k < sets.size(); k++) {
                    sets.get((k + round) % sets.size()).timeRound(i, perRound, budget);
                }
            }
            String steal = CpuSteal.now().since(stealBefore);
            for (SetUnderTest set : sets) {
                set.logEndpoint(i, steal);
            }
        }
    }

    /**
     * One data set through the run: its rows (built or reused), its rollups built by the launcher's backfill, its
     * API ({@code omni-rollup serve}) with the probes that time it, and what was measured. Mutable, one thread.
     */
    private static final class SetUnderTest implements AutoCloseable {
        private final ClientDatasets.Shape shape;
        private final ClientDatasets.Dataset data;
        private final LauncherBackfill.Result backfill;
        private final double[] sizes;
        private final Duration age;
        private final String tag;
        private final List<AutoCloseable> open = new ArrayList<>();
        private final Map<String, RequestBatch.Tally[]> tallies = new LinkedHashMap<>();
        private final Map<String, double[]> serverTotals = new LinkedHashMap<>();
        private final Map<String, ClientResult.Reads> reads = new LinkedHashMap<>();
        private TableReads.Background background = TableReads.Background.NONE;
        private List<ClientEndpoint> endpoints = List.of();
        private HttpProbe control;
        private HttpProbe keepAlive;
        private HttpProbe fresh;
        private HttpProbe localKeepAlive;
        private HttpProbe localFresh;
        private ServedApi api;

        private SetUnderTest(ClientDatasets.Shape shape, ClientDatasets.Dataset data, LauncherBackfill.Result backfill,
                             double[] sizes, Duration age, String tag) {
            this.shape = shape;
            this.data = data;
            this.backfill = backfill;
            this.sizes = sizes;
            this.age = age;
            this.tag = tag;
        }

        /** The data set (built or reused), its rollups rebuilt by the launcher's backfill, then a CHECKPOINT. */
        static SetUnderTest prepare(ClientDatasets.Shape shape, Settings settings, Launcher launcher, Path logs) {
            ClientDatasets.Dataset data = ClientDatasets.ensure(shape, settings.smoke(), settings.fresh(),
                    settings.maxAge());
            try {
                String tag = "client-" + Args.label(shape.rows()) + "-i" + shape.instances();
                Datasets.log("omni-rollup backfill into empty rollups of " + data.name());
                LauncherBackfill.Result backfill = LauncherBackfill.run(launcher, tag + "-backfill", data.jdbcUrl(),
                        ROLLUP_SCHEMA, logs);
                Datasets.log(String.format(Locale.ROOT, "  %.1f s: %s", backfill.wall().toMillis() / 1000.0,
                        backfill.summary()));
                double[] sizes = ClientDatasets.sizes(data.jdbcUrl(), ROLLUP_SCHEMA);
                double flushed = ClientDatasets.checkpoint(data.jdbcUrl());
                Datasets.log(String.format(Locale.ROOT, "  CHECKPOINT after building and backfill: %.1f s", flushed));
                return new SetUnderTest(shape, data, backfill, sizes, data.age(), tag);
            } catch (RuntimeException e) {
                data.close();
                throw e;
            }
        }

        /** Starts the API on this set and opens the probes; the endpoints ask for its busiest instance. */
        void serve(Launcher launcher, FixedReplyServer floor, Path logs) {
            ServedApi api = ServedApi.start(launcher, tag + "-serve", data.jdbcUrl(), ROLLUP_SCHEMA, logs,
                    Duration.ofMinutes(2));
            open.add(api);
            control = opened(api.keepAlive());
            keepAlive = opened(api.keepAlive());
            fresh = opened(api.newConnections());
            localKeepAlive = opened(HttpProbe.keepAlive(ServedApi.HOST, floor.port(), ""));
            localFresh = opened(HttpProbe.newConnectionEach(ServedApi.HOST, floor.port(), ""));
            String instance = BusiestInstance.ask(control).orElse(new UUID(0, 0).toString());
            List<ClientEndpoint> all = new ArrayList<>(ClientEndpoint.dashboard(instance));
            all.addAll(ClientEndpoint.references());
            endpoints = List.copyOf(all);
            Datasets.log("API of " + shape.label() + " up on port " + api.port());
            this.api = api;
        }

        /** CPU seconds the API's process has used so far. */
        double apiCpuSeconds() {
            return Procs.cpuSeconds(api.pid());
        }

        OptionalLong jitCompiles() {
            return Procs.jitCompiles(api.pid());
        }

        private HttpProbe opened(HttpProbe probe) {
            open.add(probe);
            return probe;
        }

        HttpProbe keepAliveFor(ClientEndpoint e) {
            return e.local() ? localKeepAlive : keepAlive;
        }

        HttpProbe freshFor(ClientEndpoint e) {
            return e.local() ? localFresh : fresh;
        }

        /**
         * One round of endpoint {@code index}: keep-alive requests (the server's histogram read around them), then as
         * many on new connections.
         */
        /** {@code requests} to each endpoint in warm-up rounds, the results thrown away. */
        void warmPass(int requests, Duration budget) {
            Map<String, RequestBatch.Tally[]> thrownAway = new HashMap<>();
            Map<String, double[]> serverThrownAway = new HashMap<>();
            for (int done = 0; done < requests; done += WARM_ROUND) {
                int round = Math.min(WARM_ROUND, requests - done);
                for (int i = 0; i < endpoints.size(); i++) {
                    round(i, round, round / 10, budget, thrownAway, serverThrownAway);
                }
            }
        }

        void timeRound(int index, int requests, Duration budget) {
            round(index, requests, requests, budget, tallies, serverTotals);
        }

        /**
         * {@code requests} keep-alive requests to endpoint {@code index} with the API's histogram read around them,
         * then {@code freshRequests} on new connections, counted into the maps given.
         */
        void round(int index, int requests, int freshRequests, Duration budget,
                   Map<String, RequestBatch.Tally[]> into, Map<String, double[]> serverInto) {
            ClientEndpoint e = endpoints.get(index);
            RequestBatch.Tally[] pair = into.computeIfAbsent(e.name(),
                    k -> new RequestBatch.Tally[] {new RequestBatch.Tally(), new RequestBatch.Tally()});
            ServerMetrics before = e.local() ? null : ServerMetrics.scrape(control);
            pair[0].add(keepAliveFor(e), e.path(), e.expectedStatus(), requests, budget);
            if (before != null) {
                ServerMetrics.scrape(control).busiestSince(before).ifPresent(d -> {
                    double[] total = serverInto.computeIfAbsent(e.name(), k -> new double[2]);
                    total[0] += d.requests();
                    total[1] += d.requests() * d.meanMillis();
                });
            }
            if (freshRequests > 0) {
                pair[1].add(freshFor(e), e.path(), e.expectedStatus(), freshRequests, budget);
            }
        }

        void logEndpoint(int index, String steal) {
            ClientEndpoint e = endpoints.get(index);
            RequestBatch.Outcome ka = tallies.get(e.name())[0].outcome();
            RequestBatch.Outcome nc = tallies.get(e.name())[1].outcome();
            Datasets.log(String.format(Locale.ROOT, "  %-26s %-38s keep-alive p50 %7.3f p99 %7.3f ms | new conn"
                            + " p50 %7.3f p99 %7.3f ms | server p50 %s ms | cpu steal %s", shape.label(), e.name(),
                    ka.client().p50(), ka.client().p99(), nc.client().p50(), nc.client().p99(),
                    Table.format(ka.server().p50()), steal));
        }

        void stopApi() {
            for (AutoCloseable each : open.reversed()) {
                try {
                    each.close();
                } catch (Exception e) {
                    Datasets.log("closing " + tag + ": " + e);
                }
            }
            open.clear();
        }

        /** Upstream's SQL on this set (the API stopped), then the set's results. */
        void collect(Settings settings, List<ClientResult> results, List<DatasetRun> runs) {
            Datasets.log("upstream's SQL on " + shape.label());
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
                RequestBatch.Tally[] pair = tallies.get(e.name());
                double[] total = serverTotals.get(e.name());
                double serverMean = total == null || total[0] == 0 ? Double.NaN : total[1] / total[0];
                results.add(new ClientResult(shape, e, pair[0].outcome(), pair[1].outcome(), serverMean,
                        reads.getOrDefault(e.name(), ClientResult.Reads.NONE),
                        upstream.getOrDefault(e.name(), Percentiles.NONE)));
            }
            String instance = endpoints.stream().filter(e -> e.name().equals("analytics instanceId"))
                    .map(e -> e.path().substring(e.path().indexOf('=') + 1)).findFirst().orElse("?");
            runs.add(new DatasetRun(shape, data.name(), data.reused(), age, data.generate(), data.cluster(), backfill,
                    sizes[0], sizes[1], sizes[2], instance, background.describe()));
        }

        @Override
        public void close() {
            stopApi();
            data.close();
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
                + " after warm-up passes of " + s.warmup() + " requests per endpoint (the timed code, results thrown"
                + " away) until a pass made the API's JIT compile at most " + QUIET_COMPILES + " methods (at most "
                + WARM_PASSES + " passes; the log has the counts), then a settle until the API was idle");
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
                + " instances (" + s.baseline().map(b -> b.days() + " days").orElse("")
                + "); p50 / fewer instances = against the same size with the fewest instances");
        return notes;
    }
}
