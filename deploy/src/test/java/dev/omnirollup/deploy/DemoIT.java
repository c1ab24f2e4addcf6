package dev.omnirollup.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.omnirollup.store.Await;
import dev.omnirollup.testservices.TestServices;
import io.nats.client.Connection;
import io.nats.client.Nats;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code omni-rollup demo} from a fresh state, as the README's quick start runs it: embedded PostgreSQL, the machine's
 * NATS (with a prefix and streams of its own), and the three printed curl calls answering with non-zero data. The
 * NATS is the tests' ({@link TestServices#natsUrl()}); when that is the local default the demo is given no NATS
 * setting at all, as in the quick start (its own default is the same server).
 */
class DemoIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern CURL = Pattern.compile("^  curl -s -H 'x-api-key: (omni_sk_\\w{32})' '(http://[^']+)'$");

    @Test
    void demoComesUpWithinAMinuteAnswersThePrintedCallsAndStopsCleanly() throws Exception {
        int port = Distribution.freePort();
        String natsUrl = TestServices.natsUrl();
        Map<String, String> env = new HashMap<>(Map.of("OMNI_ROLLUP_HTTP_PORT", Integer.toString(port),
                "OMNI_ROLLUP_INGEST_METRICS_PORT", "0"));
        if (!natsUrl.equals(TestServices.NATS_DEFAULT)) {
            env.put("OMNI_ROLLUP_NATS_URL", natsUrl);
        }
        long started = System.nanoTime();
        try (Distribution demo = Distribution.start(env, "demo", "--rate", "40")) {
            demo.awaitLine(l -> l.startsWith("Ctrl-C stops everything"), Duration.ofSeconds(90));
            Duration startup = Duration.ofNanos(System.nanoTime() - started);
            assertTrue(startup.compareTo(Duration.ofSeconds(60)) < 0, "up within a minute: " + startup);
            List<String> output = demo.output();
            assertTrue(output.contains("  API:        http://127.0.0.1:" + port + "/api/v2"), String.join("\n", output));

            List<String[]> calls = new ArrayList<>();
            for (String line : output) {
                Matcher curl = CURL.matcher(line);
                if (curl.matches()) {
                    calls.add(new String[] {curl.group(1), curl.group(2)});
                }
            }
            assertEquals(3, calls.size(), String.join("\n", output));
            String key = calls.get(0)[0];
            assertTrue(output.contains("  API key:    " + key));

            JsonNode metrics = answer(calls.get(0), "/event-ops/metrics");
            assertTrue(metrics.path("data").path("totalEvents").asLong() > 1_000, metrics.toString());
            assertTrue(metrics.path("data").path("eventsLast24h").asLong() > 0, metrics.toString());
            assertTrue(metrics.path("data").path("failed").asLong() > 0, metrics.toString());
            assertTrue(metrics.path("data").path("errorsByStage").size() > 5, metrics.toString());
            JsonNode analytics = answer(calls.get(1), "/events/analytics?allTime=true");
            assertTrue(analytics.path("totalMessages").asLong() > 1_000, analytics.toString());
            assertTrue(analytics.path("byChannel").size() >= 3, analytics.toString());
            JsonNode dashboard = answer(calls.get(2), "/dashboard");
            assertTrue(dashboard.path("events").path("total").asLong() > 1_000, dashboard.toString());
            assertTrue(dashboard.path("instances").path("total").asLong() >= 5, dashboard.toString());
            assertTrue(dashboard.path("automations").path("totalExecutions").asLong() > 0, dashboard.toString());

            // live traffic keeps arriving: the totals grow
            long before = metrics.path("data").path("totalEvents").asLong();
            Await.until("the live events are counted", Duration.ofSeconds(30), () -> {
                try {
                    return answer(calls.get(0), "/event-ops/metrics").path("data").path("totalEvents").asLong() > before;
                } catch (Exception e) {
                    return false;
                }
            });
            HttpResponse<String> health = Distribution.get("http://127.0.0.1:" + port + "/api/v2/health",
                    Optional.empty());
            assertEquals(200, health.statusCode(), health.body());

            List<String> streams = output.stream().map(l -> l.replaceFirst(".* created stream (\\S+) .*", "$1"))
                    .filter(s -> s.startsWith("OMNI_ROLLUP_DEMO_")).toList();
            assertEquals(3, streams.size(), "the demo's own streams: " + streams);
            Path data = Path.of(output.stream().filter(l -> l.contains("embedded PostgreSQL started"))
                    .map(l -> l.replaceFirst(".*\\(data in (\\S+), removed on exit\\)$", "$1")).findFirst()
                    .orElseThrow());
            assertTrue(Files.isDirectory(data), data.toString());

            demo.signal("INT");
            assertEquals(Failure.INTERRUPTED, demo.await(Duration.ofSeconds(60)));
            List<String> after = demo.output();
            assertTrue(after.stream().anyMatch(l -> l.endsWith("omni-rollup demo stopped; temporary data removed")),
                    String.join("\n", after));
            assertFalse(Files.exists(data), "embedded data removed: " + data);
            assertFalse(Files.exists(data.getParent()), "demo directory removed: " + data.getParent());
            Connection nats = Nats.connect(natsUrl);
            try {
                List<String> left = nats.jetStreamManagement().getStreamNames();
                for (String stream : streams) {
                    assertFalse(left.contains(stream), "stream " + stream + " deleted");
                }
            } finally {
                nats.close();
            }
        }
    }

    private static JsonNode answer(String[] call, String path) throws Exception {
        assertTrue(call[1].endsWith(path), call[1]);
        HttpResponse<String> response = Distribution.get(call[1], Optional.of(call[0]));
        assertEquals(200, response.statusCode(), response.body());
        return JSON.readTree(response.body());
    }
}
