package dev.omnirollup.deploy;

import dev.omnirollup.api.ApiSettings;
import dev.omnirollup.api.QueryServer;
import dev.omnirollup.sim.Instance;
import dev.omnirollup.sim.ReferencePersistence;
import dev.omnirollup.sim.TrafficGenerator;
import dev.omnirollup.store.Backfill;
import dev.omnirollup.store.Config;
import dev.omnirollup.store.NatsEdge;
import dev.omnirollup.store.RollupDatabase;
import dev.omnirollup.store.Setting;
import dev.omnirollup.store.StoreSettings;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.logging.Logger;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code omni-rollup demo}: everything in one process on an embedded default. Without database-url it starts an
 * embedded PostgreSQL; it uses the configured NATS or starts nats-server from PATH; it creates Omni's tables with a
 * history of simulated traffic, backfills it, then publishes live Omni traffic while ingest and API run, and prints
 * the URL, the API key and ready-to-paste requests.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false,
        description = {"Run everything on simulated Omni traffic: one command, nothing to install but Java 21+ "
                + "(and nats-server when no NATS answers).",
            "Without database-url: an embedded PostgreSQL (data in a temporary directory, removed on exit). With one: "
                    + "it must be an empty database. NATS: nats-url when a JetStream server answers there (the demo "
                    + "then uses its own subject prefix and streams, deleted on exit), else nats-server from PATH.",
            "Creates Omni's tables, an API key and a history of events (backfilled, so all-time numbers are there at "
                    + "once), then publishes live traffic on several WhatsApp, Discord, Telegram and Slack instances "
                    + "(inbound and outbound, receipts, failures with error codes, automation executions and queue "
                    + "snapshots, instance events, a few poison messages) while ingest and API run. Ctrl-C stops "
                    + "everything."})
final class DemoCommand implements Callable<Integer>, UsesSharedOptions {
    private static final Logger LOG = Logger.getLogger(DemoCommand.class.getName());

    @Mixin
    SharedOptions sharedOptions;

    @Option(names = "--rate", paramLabel = "<events/s>", defaultValue = "30",
            description = "Live events published per second (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--history", paramLabel = "<events>", defaultValue = "20000",
            description = "Events of history written to Omni's tables before the start (default: ${DEFAULT-VALUE}).")
    int history;

    @Option(names = "--history-days", paramLabel = "<days>", defaultValue = "14",
            description = "Days the history spans (default: ${DEFAULT-VALUE}).")
    int historyDays;

    @Option(names = "--instances", paramLabel = "<n>", defaultValue = "6",
            description = "Simulated Omni instances (default: ${DEFAULT-VALUE}).")
    int instanceCount;

    @Option(names = "--seed", paramLabel = "<n>", defaultValue = "42",
            description = "Random seed of the simulated traffic (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public SharedOptions sharedOptions() {
        return sharedOptions;
    }

    @Override
    public Integer call() throws Exception {
        validateOptions();
        long started = System.nanoTime();
        Config configured = sharedOptions.start("demo");
        InstantSource clock = InstantSource.system();
        Path work = Files.createTempDirectory("omni-rollup-demo-");
        Lifecycle lifecycle = new Lifecycle("demo");
        lifecycle.add("demo directory", () -> deleteTree(work));
        try {
            String jdbcUrl;
            boolean embedded = configured.get(StoreSettings.DATABASE_URL).isEmpty();
            if (embedded) {
                jdbcUrl = lifecycle.add("embedded PostgreSQL", EmbeddedPostgresServer.start(work.resolve("pg")))
                        .jdbcUrl();
            } else {
                jdbcUrl = configured.get(StoreSettings.DATABASE_URL).get();
            }
            DemoNats demoNats = lifecycle.add("NATS", DemoNats.start(configured, work.resolve("nats")));
            Config config = configured.with(overrides(configured, jdbcUrl, demoNats));

            DemoOmni omni = new DemoOmni(jdbcUrl, config.get(StoreSettings.OMNI_SCHEMA));
            if (!embedded) {
                omni.requireEmpty(config.get(StoreSettings.ROLLUP_SCHEMA));
            }
            List<Instance> instances = TrafficGenerator.defaultInstances(instanceCount, seed);
            String apiKey = omni.prepare(instances, config.get(ApiSettings.API_KEY));
            Instant historyEnd = clock.instant().truncatedTo(ChronoUnit.SECONDS);
            ReferencePersistence.Stats written = omni.writeHistory(seed, instances, historyEnd,
                    Duration.ofDays(historyDays), history);
            LOG.info(() -> "wrote a history of " + history + " events over " + historyDays + " days into Omni's tables ("
                    + written.inserted() + " omni_events rows, " + written.automationLogs() + " automation_logs rows)");

            RollupDatabase database = lifecycle.add("database pool", Startup.openDatabase(config, jdbcUrl,
                    "omni-rollup-demo", config.get(StoreSettings.DATABASE_POOL_SIZE)));
            Startup.migrate(database, config);
            Instant cutover = database.ensureCutover(clock.instant().plusMillis(1).truncatedTo(ChronoUnit.MILLIS));
            backfill(database, config, clock, cutover);

            Connection nats = Startup.connectNats(config, "omni-rollup-demo");
            lifecycle.add("NATS connection", Startup.closing(nats));
            List<String> created = createStreams(nats, config, demoNats.isOwn());
            if (!created.isEmpty() && !demoNats.isOwn()) {
                lifecycle.add("demo streams", () -> deleteStreams(nats, created));
            }
            Startup.startIngest(config, database, nats, clock, lifecycle);
            QueryServer server = Startup.startApi(config,
                    Startup.openApiDatabase(config, jdbcUrl, "omni-rollup-demo-api", lifecycle), Optional.of(nats),
                    clock, lifecycle);

            DemoTraffic traffic = new DemoTraffic(omni, nats, config.get(StoreSettings.NATS_SUBJECT_PREFIX), clock, seed,
                    instances, cutover.plusSeconds(2), rate);
            lifecycle.add("demo traffic", traffic);
            traffic.start();

            String base = "http://" + Startup.displayHost(config) + ":" + server.port();
            Optional<String> page = dashboardPage(base);
            banner(System.out, base, apiKey, page, instances, Duration.ofNanos(System.nanoTime() - started),
                    demoNats.url(), embedded);
        } catch (RuntimeException e) {
            lifecycle.abort();
            throw e;
        }
        lifecycle.awaitStop();
        return 0;
    }

    private void validateOptions() {
        if (!(rate > 0 && rate <= 5_000)) {
            throw new Failure(Failure.INVALID, "--rate " + rate + " is outside 0 < rate <= 5000", "");
        }
        if (history < 0 || history > 5_000_000) {
            throw new Failure(Failure.INVALID, "--history " + history + " is outside 0 .. 5000000", "");
        }
        if (historyDays < 1 || historyDays > 3650) {
            throw new Failure(Failure.INVALID, "--history-days " + historyDays + " is outside 1 .. 3650", "");
        }
        if (instanceCount < 1 || instanceCount > 500) {
            throw new Failure(Failure.INVALID, "--instances " + instanceCount + " is outside 1 .. 500", "");
        }
    }

    /**
     * The configuration the demo runs with: its database and NATS, and, on a NATS it shares with others, a subject
     * prefix and stream names of its own (unless configured), so it never publishes into a real Omni's streams.
     */
    private static Map<String, String> overrides(Config configured, String jdbcUrl, DemoNats nats) {
        Map<String, String> overrides = new LinkedHashMap<>();
        overrides.put(StoreSettings.DATABASE_URL.name(), jdbcUrl);
        overrides.put(StoreSettings.NATS_URL.name(), nats.url());
        if (!nats.isOwn()) {
            String suffix = Long.toString(ProcessHandle.current().pid(), 36).toUpperCase(Locale.ROOT)
                    + Long.toString(System.nanoTime() & 0xFFFFF, 36).toUpperCase(Locale.ROOT);
            if (isDefault(configured, StoreSettings.NATS_SUBJECT_PREFIX)) {
                overrides.put(StoreSettings.NATS_SUBJECT_PREFIX.name(), "omni-rollup-demo-" + suffix.toLowerCase(Locale.ROOT)
                        + ".");
            }
            if (isDefault(configured, StoreSettings.MESSAGE_STREAM)) {
                overrides.put(StoreSettings.MESSAGE_STREAM.name(), "OMNI_ROLLUP_DEMO_" + suffix + "_MESSAGE");
            }
            if (isDefault(configured, StoreSettings.AUTOMATION_STREAM)) {
                overrides.put(StoreSettings.AUTOMATION_STREAM.name(), "OMNI_ROLLUP_DEMO_" + suffix + "_AUTOMATION");
            }
        }
        if (isDefault(configured, ApiSettings.LIVE_COUNT_REFRESH)) {
            overrides.put(ApiSettings.LIVE_COUNT_REFRESH.name(), "2s");
        }
        return overrides;
    }

    private static boolean isDefault(Config config, Setting<?> key) {
        return "default".equals(config.sourceOf(key));
    }

    private static void backfill(RollupDatabase database, Config config, InstantSource clock, Instant cutover) {
        long started = System.nanoTime();
        Backfill backfill = new Backfill(database, clock, config.get(StoreSettings.MINUTE_RETENTION));
        Backfill.Plan plan = backfill.plan(cutover, Optional.empty(), Optional.empty());
        long[] rows = new long[1];
        List<Backfill.DayResult> days = backfill.run(plan, false, () -> false,
                (p, day) -> rows[0] += day.eventRows() + day.automationRows());
        LOG.info(() -> "backfilled " + days.size() + " days (" + rows[0] + " rows) before the cutover " + cutover
                + " in " + Duration.ofNanos(System.nanoTime() - started).toMillis() + " ms");
    }

    /** Creates the demo's streams (short retention) and the INSTANCE stream its traffic also publishes on. */
    private static List<String> createStreams(Connection nats, Config config, boolean ownServer)
            throws IOException, JetStreamApiException {
        String prefix = config.get(StoreSettings.NATS_SUBJECT_PREFIX);
        Duration maxAge = ownServer ? Duration.ofDays(30) : Duration.ofDays(1);
        Map<String, String> streams = new LinkedHashMap<>();
        streams.put(config.get(StoreSettings.MESSAGE_STREAM), prefix + "message.>");
        streams.put(config.get(StoreSettings.AUTOMATION_STREAM), prefix + "automation.>");
        String base = config.get(StoreSettings.MESSAGE_STREAM);
        streams.put(base.endsWith("MESSAGE") ? base.substring(0, base.length() - "MESSAGE".length()) + "INSTANCE"
                : base + "_INSTANCE", prefix + "instance.>");
        JetStreamManagement jsm = nats.jetStreamManagement();
        List<String> existing = jsm.getStreamNames();
        List<String> created = new ArrayList<>();
        for (Map.Entry<String, String> stream : streams.entrySet()) {
            if (!existing.contains(stream.getKey())) {
                try {
                    NatsEdge.ensureStream(nats, stream.getKey(), stream.getValue(), maxAge);
                    created.add(stream.getKey());
                } catch (JetStreamApiException e) {
                    // another stream already captures these subjects (e.g. Omni's INSTANCE): publish there
                    LOG.fine(() -> "stream " + stream.getKey() + " not created: " + e.getMessage());
                }
            }
        }
        return created;
    }

    private static void deleteStreams(Connection nats, List<String> streams) throws IOException {
        JetStreamManagement jsm = nats.jetStreamManagement();
        for (String stream : streams) {
            try {
                jsm.deleteStream(stream);
            } catch (JetStreamApiException e) {
                LOG.fine(() -> "deleting stream " + stream + ": " + e.getMessage());
            }
        }
        LOG.info(() -> "deleted the demo's streams " + streams);
    }

    /** The dashboard page, when the API serves one. */
    private static Optional<String> dashboardPage(String base) {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
                .followRedirects(HttpClient.Redirect.NORMAL).build();
        for (String path : List.of("/", "/dashboard", "/ui/", "/api/v2/ui")) {
            try {
                HttpResponse<Void> response = client.send(HttpRequest.newBuilder(URI.create(base + path))
                        .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200 && response.headers().firstValue("content-type")
                        .orElse("").startsWith("text/html")) {
                    return Optional.of(base + path);
                }
            } catch (IOException e) {
                return Optional.empty();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    private void banner(PrintStream out, String base, String apiKey, Optional<String> page, List<Instance> instances,
                        Duration startup, String natsUrl, boolean embedded) {
        String api = base + "/api/v2";
        String channels = String.join(", ", instances.stream().map(Instance::channel).distinct().toList());
        StringBuilder text = new StringBuilder();
        text.append('\n');
        text.append("omni-rollup demo is running (started in ").append(startup.toMillis() / 100 / 10.0).append(" s)\n");
        text.append("  API:        ").append(api).append('\n');
        text.append("  API key:    ").append(apiKey).append('\n');
        page.ifPresent(p -> text.append("  Dashboard:  ").append(p).append('\n'));
        text.append("  OpenAPI:    ").append(api).append("/openapi.json\n");
        text.append("  Traffic:    ").append(String.format(Locale.ROOT, "%.0f", rate)).append(" events/s on ")
                .append(instances.size()).append(" instances (").append(channels).append("), plus ")
                .append(history).append(" events of history over ").append(historyDays).append(" days\n");
        text.append("  PostgreSQL: ").append(embedded ? "embedded (temporary)" : "database-url").append(";  NATS: ")
                .append(natsUrl).append('\n');
        text.append('\n');
        text.append("Try:\n");
        text.append("  curl -s -H 'x-api-key: ").append(apiKey).append("' '").append(api).append("/event-ops/metrics'\n");
        text.append("  curl -s -H 'x-api-key: ").append(apiKey).append("' '").append(api)
                .append("/events/analytics?allTime=true'\n");
        text.append("  curl -s -H 'x-api-key: ").append(apiKey).append("' '").append(api).append("/dashboard'\n");
        text.append('\n');
        text.append("Ctrl-C stops everything and removes the demo's data.\n");
        out.print(text);
        out.flush();
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
