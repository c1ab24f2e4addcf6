package dev.omnirollup.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.omnirollup.sim.Instance;
import dev.omnirollup.sim.OmniEvent;
import dev.omnirollup.sim.Publisher;
import dev.omnirollup.sim.ReferencePersistence;
import dev.omnirollup.sim.ScratchDatabase;
import dev.omnirollup.sim.ScratchNats;
import dev.omnirollup.sim.TrafficGenerator;
import dev.omnirollup.store.Await;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The built distribution as a separate process: {@code all} against the machine's PostgreSQL and NATS, and bad starts. */
class DistributionIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void distributionHasTheLayoutTheRecipesUse() {
        assertTrue(Files.isExecutable(Distribution.LAUNCHER));
        assertTrue(Files.isRegularFile(Distribution.HOME.resolve("omni-rollup.jar")));
        assertTrue(Files.isRegularFile(Distribution.HOME.resolve("lib/picocli-4.7.7.jar")));
        Distribution.Result help = Distribution.run(Duration.ofSeconds(30), Map.of(), "--help");
        assertEquals(0, help.status(), help.text());
        for (String command : List.of("serve", "ingest", "all", "backfill", "demo", "config")) {
            assertTrue(help.lines().stream().anyMatch(l -> l.startsWith("  " + command + " ")), command);
        }
        Distribution.Result backfillHelp = Distribution.run(Duration.ofSeconds(30), Map.of(), "backfill", "--help");
        assertEquals(0, backfillHelp.status());
        assertTrue(backfillHelp.text().contains("--dry-run"), backfillHelp.text());
    }

    @Test
    void allModeIngestsPublishedEventsAndServesThem() throws Exception {
        try (ScratchDatabase omni = ScratchDatabase.create().withOmniSchema(); ScratchNats nats = ScratchNats.connect()) {
            List<Instance> instances = TrafficGenerator.defaultInstances(5, 7);
            omni.jdbi().useHandle(h -> new ReferencePersistence(h).ensureInstances(instances));
            nats.instanceStream();
            int port = Distribution.freePort();
            String apiKey = DemoOmni.newKey();
            Map<String, String> settings = new LinkedHashMap<>();
            settings.put("OMNI_ROLLUP_DATABASE_URL", omni.jdbcUrl());
            settings.putAll(Distribution.natsSettings(nats));
            settings.put("OMNI_ROLLUP_HTTP_HOST", "127.0.0.1");
            settings.put("OMNI_ROLLUP_HTTP_PORT", Integer.toString(port));
            settings.put("OMNI_ROLLUP_INGEST_METRICS_PORT", "0");
            settings.put("OMNI_ROLLUP_API_KEY", apiKey);
            // events of the last two hours count live: the cutover is a day ago
            Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
            settings.put("OMNI_ROLLUP_INGEST_CUTOVER", now.minus(Duration.ofDays(1)).toString());

            try (Distribution all = Distribution.start(settings, "all")) {
                all.awaitLine(l -> l.contains("omni-rollup all running: ingest on ") && l.contains("API on http://"),
                        Duration.ofSeconds(60));
                String api = "http://127.0.0.1:" + port + "/api/v2";
                HttpResponse<String> health = Distribution.get(api + "/health", Optional.empty());
                assertEquals(200, health.statusCode(), health.body());
                JsonNode healthBody = JSON.readTree(health.body());
                assertEquals("healthy", healthBody.path("status").asText(), health.body());
                assertTrue(healthBody.path("checks").has("ingest"), health.body());

                List<OmniEvent> events = TrafficGenerator.generate(TrafficGenerator.Config.of(5, now,
                        Duration.ofHours(2), 800, instances));
                omni.jdbi().useHandle(h -> new ReferencePersistence(h).apply(events));
                Publisher.on(nats).publishAll(events);

                long[] expected = counts(omni);
                assertTrue(expected[0] > 300, "traffic wrote rows: " + expected[0]);
                String analytics = api + "/events/analytics?allTime=true";
                Await.until("the API counts every event", Duration.ofSeconds(30), () -> total(analytics, apiKey)
                        == expected[0]);
                JsonNode body = JSON.readTree(Distribution.get(analytics, Optional.of(apiKey)).body());
                assertEquals(expected[0], body.path("totalMessages").asLong(), body.toString());
                assertEquals(expected[1], body.path("successfulMessages").asLong(), body.toString());
                assertEquals(expected[2], body.path("failedMessages").asLong(), body.toString());
                assertEquals(401, Distribution.get(analytics, Optional.empty()).statusCode());

                all.signal("TERM");
                assertEquals(143, all.await(Duration.ofSeconds(60)));
                List<String> output = all.output();
                assertTrue(output.stream().anyMatch(l -> l.endsWith("omni-rollup all stopped")), String.join("\n", output));
                assertTrue(output.stream().anyMatch(l -> l.contains("IngestDaemon ingest stopped")));
                assertNoStackTrace(output);
            }
        }
    }

    @Test
    void unknownYamlKeyIsOneLine(@TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("omni-rollup.yaml");
        Files.writeString(yaml, "database-url: postgres://postgres@127.0.0.1:5432/postgres\nhttp-prot: 9000\n");
        assertOneLineError(Distribution.run(Duration.ofSeconds(30), Map.of(), "serve", "--config", yaml.toString()),
                Failure.INVALID, "unknown configuration key 'http-prot' in " + yaml + " (did you mean 'http-port'?)");
    }

    @Test
    void unknownVariableIsOneLine() {
        assertOneLineError(Distribution.run(Duration.ofSeconds(30), Map.of("OMNI_ROLLUP_HTTP_PROT", "9000"), "all"),
                Failure.INVALID, "unknown environment variable OMNI_ROLLUP_HTTP_PROT (did you mean 'http-port'?)");
    }

    @Test
    void badUrlsAreOneLine() {
        assertOneLineError(Distribution.run(Duration.ofSeconds(30), Map.of("OMNI_ROLLUP_DATABASE_URL",
                "mysql://db:3306/omni"), "ingest"), Failure.INVALID, "database-url (from OMNI_ROLLUP_DATABASE_URL): "
                + "'mysql://db:3306/omni' is not a postgres://user:pass@host:port/db or jdbc:postgresql:// URL");
        assertOneLineError(Distribution.run(Duration.ofSeconds(30), Map.of("OMNI_ROLLUP_NATS_URL", "http://nats:4222"),
                "serve"), Failure.INVALID, "nats-url (from OMNI_ROLLUP_NATS_URL): 'http://nats:4222' is not a "
                + "nats://host:port URL");
    }

    @Test
    void unreachableDatabaseIsOneLine() {
        assertOneLineError(Distribution.run(Duration.ofSeconds(60), Map.of("OMNI_ROLLUP_DATABASE_URL",
                "postgres://omni:secret@127.0.0.1:1/omni"), "all"), Failure.UNAVAILABLE,
                "PostgreSQL at jdbc:postgresql://127.0.0.1:1/omni?user=omni&password=*** does not answer");
    }

    @Test
    void unreachableNatsIsOneLine() {
        try (ScratchDatabase omni = ScratchDatabase.create().withOmniSchema()) {
            Distribution.Result result = Distribution.run(Duration.ofSeconds(60), Map.of(
                    "OMNI_ROLLUP_DATABASE_URL", omni.jdbcUrl(), "OMNI_ROLLUP_NATS_URL", "nats://127.0.0.1:1"), "ingest");
            assertOneLineError(result, Failure.UNAVAILABLE, "NATS at nats://127.0.0.1:1 does not answer");
            assertTrue(result.text().contains("nats-server runs with JetStream (-js)"), result.text());
        }
    }

    @Test
    void portInUseIsOneLine() throws Exception {
        try (ScratchDatabase omni = ScratchDatabase.create().withOmniSchema();
                ServerSocket taken = new ServerSocket(0)) {
            Distribution.Result result = Distribution.run(Duration.ofSeconds(60), Map.of(
                    "OMNI_ROLLUP_DATABASE_URL", omni.jdbcUrl(),
                    "OMNI_ROLLUP_HTTP_PORT", Integer.toString(taken.getLocalPort())), "serve");
            assertOneLineError(result, Failure.UNAVAILABLE, "cannot listen on 0.0.0.0:" + taken.getLocalPort()
                    + " for the API");
        }
    }

    private static void assertOneLineError(Distribution.Result result, int status, String expected) {
        assertEquals(status, result.status(), result.text());
        List<String> errors = result.lines().stream().filter(l -> l.startsWith("omni-rollup: ")).toList();
        assertEquals(1, errors.size(), result.text());
        assertTrue(errors.get(0).contains(expected), errors.get(0));
        assertTrue(errors.get(0).contains(". Fix: "), errors.get(0));
        assertFalse(result.text().contains("secret"), "passwords are hidden: " + result.text());
        assertNoStackTrace(result.lines());
    }

    private static void assertNoStackTrace(List<String> lines) {
        for (String line : lines) {
            assertFalse(line.startsWith("\tat ") || line.startsWith("Exception in thread")
                    || line.startsWith("Caused by: "), "stack trace without --verbose: " + String.join("\n", lines));
        }
    }

    private static long total(String url, String apiKey) {
        HttpResponse<String> response = Distribution.get(url, Optional.of(apiKey));
        try {
            return response.statusCode() == 200 ? JSON.readTree(response.body()).path("totalMessages").asLong(-1) : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    /** count(*), completed, failed of omni_events. */
    private static long[] counts(ScratchDatabase omni) throws Exception {
        try (Connection c = omni.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT count(*), count(*) FILTER (WHERE status = 'completed'), count(*) FILTER (WHERE status = "
                        + "'failed') FROM omni_events")) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)};
        }
    }
}
