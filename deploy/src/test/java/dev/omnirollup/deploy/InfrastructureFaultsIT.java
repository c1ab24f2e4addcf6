package dev.omnirollup.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.omnirollup.sim.Instance;
import dev.omnirollup.sim.OmniEvent;
import dev.omnirollup.sim.Publisher;
import dev.omnirollup.sim.ReferencePersistence;
import dev.omnirollup.sim.ScratchDatabase;
import dev.omnirollup.sim.ScratchNats;
import dev.omnirollup.sim.TrafficGenerator;
import dev.omnirollup.store.Await;
import dev.omnirollup.store.ReferenceCheck;
import dev.omnirollup.store.RollupDatabase;
import io.nats.NatsServerRunner;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Infrastructure faults under the built distribution: {@code omni-rollup ingest} and {@code omni-rollup serve} run
 * as separate processes against a private nats-server and a private PostgreSQL (reached through a {@link TcpProxy}),
 * while events are published. Each cycle restarts NATS, restarts PostgreSQL, and makes PostgreSQL refuse
 * connections for 30 s. Shown for every fault: the ingest stalls and resumes by itself; the API answers 503 from
 * health and a stack-trace-free 500 {@code INTERNAL_ERROR} from the endpoints that read the rollups while the
 * database is away, and recovers by itself; threads, file descriptors and PostgreSQL sessions of both processes,
 * counted after every recovery, do not grow. At the end every rollup count equals plain SQL over the rows upstream's
 * persistence wrote for the same events: nothing lost, nothing counted twice.
 *
 * <p>CI runs one cycle. Long run: {@code -Dit.test=InfrastructureFaultsIT -Dfaults.cycles=8} (see
 * docs/reliability.md).
 */
class InfrastructureFaultsIT {
    private static final int CYCLES = Integer.getInteger("faults.cycles", 1);
    private static final int EVENTS_PER_PHASE = Integer.getInteger("faults.events", 1_000);
    private static final Duration REFUSAL = Duration.ofSeconds(Long.getLong("faults.refuse-seconds", 30));
    private static final int POOL_SIZE = 10;
    private static final ExecutorService PROBES = Executors.newVirtualThreadPerTaskExecutor();
    private static final String INTERNAL_ERROR =
            "{\"error\":{\"code\":\"INTERNAL_ERROR\",\"message\":\"Internal server error\"}}";
    /** Endpoints that read the rollups on every request (dead letters are served from the cached live counts). */
    private static final List<String> ROLLUP_ENDPOINTS = List.of("/api/v2/event-ops/metrics",
            "/api/v2/events/analytics?allTime=true", "/api/v2/events/analytics?granularity=hourly",
            "/api/v2/automation-metrics", "/api/v2/dashboard");
    private static final List<String> ALL_ENDPOINTS = List.of("/api/v2/event-ops/metrics",
            "/api/v2/events/analytics", "/api/v2/events/analytics?allTime=true&granularity=daily",
            "/api/v2/dead-letters/stats", "/api/v2/automation-metrics", "/api/v2/dashboard", "/api/v2/health");

    @TempDir
    Path dir;

    private NatsServerRunner natsServer;
    private EmbeddedPostgres postgres;
    private int natsPort;
    private int pgPort;
    private final List<String> report = new ArrayList<>();

    @Test
    void ingestAndApiSurviveNatsAndPostgresFaultsWithoutLossOrLeaks() throws Exception {
        natsPort = Distribution.freePort();
        pgPort = Distribution.freePort();
        Path natsStore = Files.createDirectories(dir.resolve("nats"));
        natsServer = startNats(natsStore);
        postgres = startPostgres();
        String serverUrl = "jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres?user=postgres";
        long started = System.nanoTime();
        try (TcpProxy proxy = new TcpProxy(Distribution.freePort(), pgPort);
                ScratchDatabase omni = ScratchDatabase.create(serverUrl).withOmniSchema();
                ScratchNats nats = ScratchNats.connect("nats://127.0.0.1:" + natsPort)) {
            proxy.open();
            Instant end = Instant.now().truncatedTo(ChronoUnit.MINUTES);
            List<Instance> instances = TrafficGenerator.defaultInstances(8, 23);
            int phases = 1 + 3 * CYCLES;
            List<OmniEvent> events = TrafficGenerator.generate(TrafficGenerator.Config.of(2026, end,
                    Duration.ofDays(10), phases * EVENTS_PER_PHASE, instances));
            try (Handle c = omni.jdbi().open()) {
                ReferencePersistence reference = new ReferencePersistence(c);
                reference.ensureInstances(instances);
                reference.apply(events);
            }
            nats.messageStream();
            nats.automationStream();
            nats.instanceStream();

            String apiKey = DemoOmni.newKey();
            int httpPort = Distribution.freePort();
            int metricsPort = Distribution.freePort();
            Map<String, String> common = new LinkedHashMap<>();
            common.put("OMNI_ROLLUP_DATABASE_URL", "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + omni.name()
                    + "?user=postgres");
            common.putAll(Distribution.natsSettings(nats));
            common.put("OMNI_ROLLUP_INGEST_CUTOVER", end.minus(Duration.ofDays(30)).toString());
            common.put("OMNI_ROLLUP_DATABASE_POOL_SIZE", Integer.toString(POOL_SIZE));
            Map<String, String> ingestSettings = new LinkedHashMap<>(common);
            ingestSettings.put("OMNI_ROLLUP_INGEST_METRICS_PORT", Integer.toString(metricsPort));
            ingestSettings.put("OMNI_ROLLUP_INGEST_ACK_WAIT", "5s");
            Map<String, String> serveSettings = new LinkedHashMap<>(common);
            serveSettings.put("OMNI_ROLLUP_HTTP_HOST", "127.0.0.1");
            serveSettings.put("OMNI_ROLLUP_HTTP_PORT", Integer.toString(httpPort));
            serveSettings.put("OMNI_ROLLUP_API_KEY", apiKey);
            serveSettings.put("OMNI_ROLLUP_LIVE_COUNT_REFRESH", "1s");

            try (Distribution ingest = Distribution.start(ingestSettings, "ingest");
                    Distribution serve = Distribution.start(serveSettings, "serve")) {
                ingest.awaitLine(l -> l.contains("omni-rollup ingest running"), Duration.ofSeconds(90));
                serve.awaitLine(l -> l.contains("omni-rollup serve running"), Duration.ofSeconds(90));
                ApiClient api = new ApiClient(httpPort, Optional.of(apiKey), Duration.ofSeconds(30));
                Publisher publisher = Publisher.on(nats);
                int phase = 0;

                publisher.publishAll(chunk(events, phase++));
                IngestLag.awaitCaughtUp(nats, Duration.ofSeconds(120));
                exercise(api);
                Snapshot baseline = snapshot("baseline", ingest, serve, serverUrl, omni.name());

                List<Snapshot> afterCycles = new ArrayList<>();
                for (int cycle = 1; cycle <= CYCLES; cycle++) {
                    // 1. NATS restart
                    long t0 = System.nanoTime();
                    natsServer.shutdown(true);
                    Await.until("health reports NATS down", Duration.ofSeconds(30), () -> !api.get(
                            "/api/v2/health").json().path("checks").path("nats").path("status").asText().equals("ok"));
                    sleepMillis(2_000); // the outage: NATS stays away a while, so the ingest's fetches fail
                    natsServer = startNats(natsStore);
                    awaitConnected(nats);
                    publisher.publishAll(chunk(events, phase++));
                    IngestLag.awaitCaughtUp(nats, Duration.ofSeconds(120));
                    Await.until("health reports NATS ok", Duration.ofSeconds(30), () -> api.get(
                            "/api/v2/health").json().path("checks").path("nats").path("status").asText().equals("ok"));
                    note("cycle %d: NATS restart survived, ingest caught up %.1f s after the stop", cycle,
                            (System.nanoTime() - t0) / 1e9);

                    // 2. PostgreSQL restart, events published while it is down
                    t0 = System.nanoTime();
                    Outage restart = databaseOutage(api, nats, publisher, chunk(events, phase++),
                            this::stopPostgres, Duration.ofSeconds(8), () -> {
                        postgres = startPostgres();
                    });
                    note("cycle %d: PostgreSQL restart survived: %s; caught up %.1f s after the stop", cycle,
                            restart, (System.nanoTime() - t0) / 1e9);

                    // 3. PostgreSQL refuses connections (every connection cut, new ones refused) for 30 s
                    t0 = System.nanoTime();
                    Outage refusal = databaseOutage(api, nats, publisher, chunk(events, phase++), proxy::refuse,
                            REFUSAL, () -> {
                                try {
                                    proxy.open();
                                } catch (IOException e) {
                                    throw new IllegalStateException(e);
                                }
                            });
                    note("cycle %d: PostgreSQL refused connections for %d s, survived: %s; caught up %.1f s after the "
                            + "start", cycle, REFUSAL.toSeconds(), refusal, (System.nanoTime() - t0) / 1e9);

                    assertTrue(ingest.isAlive() && serve.isAlive(), "both processes survive every fault");
                    exercise(api);
                    afterCycles.add(snapshot("after cycle " + cycle, ingest, serve, serverUrl, omni.name()));
                }

                // nothing lost, nothing doubled
                IngestLag.awaitAutomationTail(omni, Duration.ofSeconds(60));
                try (RollupDatabase rollups = RollupDatabase.open(omni.jdbcUrl(), "rollup", "public", 2, "check")) {
                    long rows = new ReferenceCheck(rollups).assertAllTimeMatches();
                    long total = api.get("/api/v2/events/analytics?allTime=true").json().path("totalMessages").asLong();
                    assertEquals(rows, total, "the API's all-time total equals omni_events");
                    note("ReferenceCheck: %d omni_events rows from %d published events, every rollup count equal; "
                            + "lost 0, doubled 0", rows, events.size());
                }
                assertNoStackTrace("serve", serve.output());
                assertNoStackTrace("ingest", ingest.output());
                assertFalse(String.join("\n", serve.output()).contains(apiKey.substring(8)), "the key is never logged");
                ingestMetrics(metricsPort).ifPresent(m -> note("ingest /metrics process gauges: %s", m));

                // no leaks: what the processes hold after the last recovery is what they held before the first fault
                Snapshot last = afterCycles.get(afterCycles.size() - 1);
                for (Snapshot after : afterCycles) {
                    assertNoGrowth(baseline, after);
                }
                note("leaks: baseline %s", baseline);
                note("leaks: last     %s", last);
                note("faults survived: %d (NATS restarts %d, PostgreSQL restarts %d, 30 s refusals %d) in %.0f s",
                        3 * CYCLES, CYCLES, CYCLES, CYCLES, (System.nanoTime() - started) / 1e9);
            }
        } finally {
            natsServer.shutdown(true);
            PrivatePostgres.stop(postgres);
        }
    }

    /** How one database outage went. */
    record Outage(double firstDegradedS, int healthProbes, int health503, int endpointProbes, int internalErrors,
                  double slowestErrorMs, long maxPending, double recoveredS) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "health 503 after %.1f s (%d/%d probes 503), %d/%d endpoint probes "
                    + "500 INTERNAL_ERROR (slowest %.0f ms), ingest stalled with %d messages waiting, healthy again "
                    + "%.1f s after the database came back", firstDegradedS, health503, healthProbes, internalErrors,
                    endpointProbes, slowestErrorMs, maxPending, recoveredS);
        }
    }

    private Outage databaseOutage(ApiClient api, ScratchNats nats, Publisher publisher, List<OmniEvent> chunk,
                                  Runnable fault, Duration downFor, Runnable repair) throws Exception {
        long start = System.nanoTime();
        fault.run();
        AtomicBoolean down = new AtomicBoolean(true);
        AtomicBoolean repairing = new AtomicBoolean(false);
        AtomicInteger healthProbes = new AtomicInteger();
        AtomicInteger health503 = new AtomicInteger();
        AtomicLong firstDegraded = new AtomicLong(-1);
        CompletableFuture<Void> healthWatch = CompletableFuture.runAsync(() -> {
            while (down.get()) {
                ApiClient.Result health = api.get("/api/v2/health");
                healthProbes.incrementAndGet();
                if (health.status() == 503) {
                    health503.incrementAndGet();
                    firstDegraded.compareAndSet(-1, System.nanoTime() - start);
                    JsonNode body = health.json();
                    assertEquals("degraded", body.path("status").asText(), health.body());
                    assertEquals("error", body.path("checks").path("database").path("status").asText(), health.body());
                    assertFalse(body.has("instances"), "no instances without the database: " + health.body());
                } else if (repairing.get()) {
                    assertEquals(200, health.status(), "health while the database comes back: " + health);
                } else {
                    assertTrue(health.status() == 200 && firstDegraded.get() < 0,
                            "health answers 503 for as long as the database is away, got " + health);
                }
                sleepMillis(500); // the watch's pace: two probes a second, counted in the report
            }
        }, PROBES);
        // the endpoints that read the rollups answer a clean 500 while the database is away
        Await.until("health reports the database away", downFor,
                () -> firstDegraded.get() >= 0 || healthWatch.isDone());
        if (healthWatch.isDone()) {
            healthWatch.get(); // the watch has failed: its assertion is the one to report
        }
        List<CompletableFuture<ApiClient.Result>> probes = new ArrayList<>();
        for (String endpoint : ROLLUP_ENDPOINTS) {
            probes.add(CompletableFuture.supplyAsync(() -> api.get(endpoint), PROBES));
        }
        int errors = 0;
        double slowest = 0;
        for (int i = 0; i < probes.size(); i++) {
            ApiClient.Result result = probes.get(i).get();
            assertEquals(500, result.status(), ROLLUP_ENDPOINTS.get(i) + " while the database is away: " + result);
            assertEquals(INTERNAL_ERROR, result.body(), "no detail, no stack trace: " + result);
            assertEquals("application/json", result.header("content-type").orElse(""));
            errors++;
            slowest = Math.max(slowest, result.millis());
        }
        // publish while the database is away: NATS keeps the events, the ingest cannot commit them
        publisher.publishAll(chunk);
        long maxPending = 0;
        while (System.nanoTime() - start < downFor.toNanos()) { // the outage lasts downFor, whatever happens in it
            maxPending = Math.max(maxPending, IngestLag.waiting(nats));
            sleepMillis(500); // what waits is sampled twice a second
        }
        maxPending = Math.max(maxPending, IngestLag.waiting(nats));
        assertTrue(maxPending > 0, "the ingest stalls while the database is away (messages wait)");
        repairing.set(true);
        repair.run();
        long repaired = System.nanoTime();
        down.set(false);
        healthWatch.get();
        assertTrue(firstDegraded.get() >= 0, "health reported 503 while the database was away");
        Await.until("health answers 200 again", Duration.ofSeconds(60), () -> api.get("/api/v2/health").status() == 200);
        double recovered = (System.nanoTime() - repaired) / 1e9;
        for (String endpoint : ALL_ENDPOINTS) {
            Await.until(endpoint + " answers 200 again", Duration.ofSeconds(30),
                    () -> api.get(endpoint).status() == 200);
        }
        IngestLag.awaitCaughtUp(nats, Duration.ofSeconds(180));
        return new Outage(firstDegraded.get() / 1e9, healthProbes.get(), health503.get(), probes.size(), errors,
                slowest, maxPending, recovered);
    }

    /** What both processes hold, counted from outside, after a round of requests. */
    record Snapshot(String label, ProcessGauges.Sample ingest, ProcessGauges.Sample serve, Map<String, Integer> sessions) {
        @Override
        public String toString() {
            return label + ": ingest " + ingest.line() + "; serve " + serve.line() + "; PostgreSQL sessions " + sessions;
        }
    }

    private Snapshot snapshot(String label, Distribution ingest, Distribution serve, String serverUrl, String database) {
        // request threads finish and the pools settle: what both processes hold stops changing
        AtomicReference<List<Object>> previous = new AtomicReference<>();
        Await.until(label + ": the threads, descriptors and sessions of both processes hold still",
                Duration.ofSeconds(30), Duration.ofMillis(500), Await.steadily(3, () -> {
                    ProcessGauges.Sample ingestNow = ProcessGauges.sample(ingest.pid(), false);
                    ProcessGauges.Sample serveNow = ProcessGauges.sample(serve.pid(), false);
                    List<Object> held = List.of(ingestNow.threads(), ingestNow.fds(), serveNow.threads(),
                            serveNow.fds(), ProcessGauges.sessions(serverUrl, database));
                    return held.equals(previous.getAndSet(held));
                }));
        Snapshot snapshot = new Snapshot(label, ProcessGauges.sample(ingest.pid()), ProcessGauges.sample(serve.pid()),
                ProcessGauges.sessions(serverUrl, database));
        note("%s", snapshot);
        return snapshot;
    }

    private static void assertNoGrowth(Snapshot before, Snapshot after) {
        for (String app : List.of("omni-rollup-ingest", "omni-rollup-serve")) {
            int sessions = after.sessions().getOrDefault(app, 0);
            assertTrue(sessions >= 1 && sessions <= POOL_SIZE, app + " holds " + sessions + " sessions, pool size "
                    + POOL_SIZE + ": " + after);
        }
        assertTrue(after.ingest().threads() <= before.ingest().threads() + 4,
                "ingest threads grew: " + before + " -> " + after);
        assertTrue(after.serve().threads() <= before.serve().threads() + 4,
                "serve threads grew: " + before + " -> " + after);
        assertTrue(after.ingest().fds() <= before.ingest().fds() + 8, "ingest fds grew: " + before + " -> " + after);
        assertTrue(after.serve().fds() <= before.serve().fds() + 8, "serve fds grew: " + before + " -> " + after);
    }

    /** A round of requests over every endpoint, so pools and thread pools are as busy as they get. */
    private static void exercise(ApiClient api) {
        for (int round = 0; round < 20; round++) {
            for (String endpoint : ALL_ENDPOINTS) {
                ApiClient.Result result = api.get(endpoint);
                assertEquals(200, result.status(), endpoint + ": " + result);
            }
        }
    }

    private static List<OmniEvent> chunk(List<OmniEvent> events, int phase) {
        return events.subList(phase * EVENTS_PER_PHASE, (phase + 1) * EVENTS_PER_PHASE);
    }

    private static void awaitConnected(ScratchNats nats) {
        Await.until("the test publisher has reconnected to NATS", Duration.ofSeconds(30),
                () -> nats.connection().getStatus() == io.nats.client.Connection.Status.CONNECTED);
    }

    private static void assertNoStackTrace(String name, List<String> lines) {
        for (String line : lines) {
            assertFalse(line.startsWith("\tat ") || line.startsWith("Caused by: ")
                    || line.startsWith("Exception in thread"), name + " printed a stack trace: " + line);
        }
    }

    /** The process gauges of the ingest's own /metrics, if it exposes them. */
    private static Optional<String> ingestMetrics(int port) {
        ApiClient metrics = new ApiClient(port, Optional.empty(), Duration.ofSeconds(10));
        ApiClient.Result result = metrics.get("/metrics");
        if (result.status() != 200) {
            return Optional.empty();
        }
        List<String> gauges = result.body().lines().filter(l -> l.startsWith("process_")).toList();
        return Optional.of(gauges.isEmpty() ? "none exposed by the launcher's ingest (only IngestMain registers them)"
                : String.join(", ", gauges));
    }

    private void stopPostgres() {
        PrivatePostgres.stop(postgres);
    }

    private NatsServerRunner startNats(Path store) throws Exception {
        return NatsServerRunner.builder()
                .port(natsPort)
                .jetstream(true)
                .customArgs(new String[] {"-sd", store.toString()})
                .build();
    }

    private EmbeddedPostgres startPostgres() {
        return PrivatePostgres.start(pgPort, dir.resolve("pg"), Map.of());
    }

    private void note(String format, Object... args) {
        String line = String.format(Locale.ROOT, format, args);
        report.add(line);
        System.out.println("faults: " + line);
    }

    /** Lets time pass on purpose (an outage, a probing pace); never to wait for something: that is {@link Await}. */
    private static void sleepMillis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
