package dev.omnirollup.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.omnirollup.sim.Instance;
import dev.omnirollup.sim.OmniEvent;
import dev.omnirollup.sim.Publisher;
import dev.omnirollup.sim.ReferencePersistence;
import dev.omnirollup.sim.ScratchDatabase;
import dev.omnirollup.sim.ScratchNats;
import dev.omnirollup.sim.TrafficGenerator;
import dev.omnirollup.store.Await;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Security of the built distribution, black-box: {@code serve} (with {@code --verbose}, the most logging there is) and
 * {@code ingest} as separate processes on a private PostgreSQL that logs every statement it receives with its bound
 * parameters ({@code log_statement = all}). Proven here: only health, the OpenAPI documents and the dashboard page
 * answer without a valid key, whatever the path spelling; revoked, deleted and expired keys are refused within the
 * key cache's TTL; the rate limit allows exactly N requests per window under concurrency; the security headers and
 * CORS behave as upstream's and follow {@code cors-origins}; user input (query parameters, keys, NATS payloads)
 * reaches PostgreSQL only as bound parameters, never inside statement text; and no key ever appears in any log.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecurityIT {
    private static final Duration KEY_TTL = Duration.ofSeconds(2);
    private static final int RATE_LIMIT = 50;
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final Set<String> PUBLIC = Set.of("/", "/api/v2/health", "/api/v2/openapi.json",
            "/api/v2/openapi.yaml");
    private static final Map<String, String> SECURE_HEADERS = secureHeaders();
    private static final String ALLOWED = "https://dash.example.com";
    private static final String EXPOSE = "x-request-id,X-RateLimit-Limit,X-RateLimit-Remaining,X-RateLimit-Reset";
    /** Markers that make user input recognisable in PostgreSQL's statement log. */
    private static final String CANARY_UUID = "c0ffee00-dead-4bad-8bad-00000000c0de";
    private static final String CANARY_ERROR = "ZQCANARYERR'||pg_sleep(1)||'";
    private static final String CANARY_EXTERNAL_ID = "zqcanaryext'); DROP TABLE rollup.msg_total;--";
    private static final String CANARY_POISON = "zqcanarypoison'); DROP SCHEMA rollup CASCADE;--";
    private static final String CANARY_PARAMETER = "zqcanaryparam'; SELECT pg_sleep(1);--";
    private static final Pattern ACCESS_LINE = Pattern.compile(" [A-Z]+ /\\S* \\d{3} \\d+\\.\\d{3}ms$");

    private Path dir;
    private EmbeddedPostgres postgres;
    private ScratchDatabase omni;
    private ScratchNats nats;
    private Distribution serve;
    private Distribution ingest;
    private int port;
    private String staticKey;
    private final Map<String, String> keys = new LinkedHashMap<>();
    private final Set<String> usedKeys = new LinkedHashSet<>();
    private final Map<String, String> settings = new LinkedHashMap<>();
    private ApiClient anonymous;
    private List<Instance> instances;

    @BeforeAll
    void start() throws Exception {
        dir = Files.createTempDirectory("omni-rollup-security-");
        Path logs = Files.createDirectories(dir.resolve("pglog"));
        int pgPort = Distribution.freePort();
        Map<String, String> logging = new LinkedHashMap<>();
        logging.put("logging_collector", "on");
        logging.put("log_directory", logs.toString());
        logging.put("log_filename", "postgresql.log");
        logging.put("log_statement", "all");
        // no spaces or shell characters: pg_ctl passes the settings to postgres through a shell
        logging.put("log_line_prefix", "%m@%p@%a@%d@");
        logging.put("log_parameter_max_length", "-1");
        postgres = PrivatePostgres.start(pgPort, dir.resolve("pg"), logging);
        omni = ScratchDatabase.create("jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres?user=postgres")
                .withOmniSchema();
        nats = ScratchNats.connect();
        nats.messageStream();
        nats.automationStream();
        nats.instanceStream();
        instances = TrafficGenerator.defaultInstances(4, 9);
        Instant end = Instant.now().truncatedTo(ChronoUnit.MINUTES);
        try (Handle c = omni.jdbi().open()) {
            ReferencePersistence reference = new ReferencePersistence(c);
            reference.ensureInstances(instances);
            // an instance that exists, so that a query for it reaches PostgreSQL (one that does not answers zeros at once)
            reference.ensureInstances(List.of(new Instance(UUID.fromString(CANARY_UUID),
                    "canary", "discord")));
        }
        for (String name : List.of("active", "revoke", "delete", "expire-soon", "expired-status", "past-expiry",
                "rate-1", "rate-2", "query", "canary")) {
            keys.put(name, DemoOmni.newKey());
        }
        insertKey("active", "active", Optional.empty());
        insertKey("revoke", "active", Optional.empty());
        insertKey("delete", "active", Optional.empty());
        insertKey("expire-soon", "active", Optional.of(Instant.now().plus(Duration.ofHours(1))));
        insertKey("expired-status", "expired", Optional.empty());
        insertKey("past-expiry", "active", Optional.of(Instant.now().minus(Duration.ofMinutes(1))));
        insertKey("rate-1", "active", Optional.empty());
        insertKey("rate-2", "active", Optional.empty());
        insertKey("query", "active", Optional.empty());
        // "canary" stays unknown: its hash is looked up and not found
        staticKey = DemoOmni.newKey();
        usedKeys.addAll(keys.values());
        usedKeys.add(staticKey);

        port = Distribution.freePort();
        settings.put("OMNI_ROLLUP_DATABASE_URL", omni.jdbcUrl());
        settings.put("OMNI_ROLLUP_NATS_URL", nats.url());
        settings.put("OMNI_ROLLUP_NATS_SUBJECT_PREFIX", nats.prefix());
        settings.put("OMNI_ROLLUP_MESSAGE_STREAM", nats.messageStream());
        settings.put("OMNI_ROLLUP_AUTOMATION_STREAM", nats.automationStream());
        settings.put("OMNI_ROLLUP_INGEST_CUTOVER", end.minus(Duration.ofDays(1)).toString());
        Map<String, String> ingestSettings = new LinkedHashMap<>(settings);
        ingestSettings.put("OMNI_ROLLUP_INGEST_METRICS_PORT", "0");
        ingest = Distribution.start(ingestSettings, "ingest", "--verbose");
        ingest.awaitLine(l -> l.contains("omni-rollup ingest running"), Duration.ofSeconds(90));
        settings.put("OMNI_ROLLUP_HTTP_HOST", "127.0.0.1");
        settings.put("OMNI_ROLLUP_HTTP_PORT", Integer.toString(port));
        settings.put("OMNI_ROLLUP_API_KEY", staticKey);
        settings.put("OMNI_ROLLUP_API_KEY_CACHE_TTL", KEY_TTL.toMillis() + "ms");
        settings.put("OMNI_ROLLUP_RATE_LIMIT", Integer.toString(RATE_LIMIT));
        settings.put("OMNI_ROLLUP_CORS_ORIGINS", ALLOWED + ", https://ops.example.com");
        serve = Distribution.start(settings, "serve", "--verbose");
        serve.awaitLine(l -> l.contains("omni-rollup serve running"), Duration.ofSeconds(90));
        anonymous = new ApiClient(port, Optional.empty(), TIMEOUT);
    }

    @AfterAll
    void stop() throws IOException {
        for (Distribution process : new Distribution[] {serve, ingest}) {
            if (process != null) {
                process.close();
            }
        }
        if (nats != null) {
            nats.close();
        }
        if (omni != null) {
            omni.close();
        }
        if (postgres != null) {
            PrivatePostgres.stop(postgres);
        }
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ who gets in

    @Test
    @Order(1)
    void onlyHealthOpenApiAndThePageAnswerWithoutAKey() throws Exception {
        JsonNode openapi = anonymous.get("/api/v2/openapi.json").json();
        Set<String> declaredPublic = new TreeSet<>();
        Set<String> documented = new TreeSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = openapi.path("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            for (Iterator<Map.Entry<String, JsonNode>> ops = path.getValue().fields(); ops.hasNext(); ) {
                Map.Entry<String, JsonNode> op = ops.next();
                documented.add(op.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey());
                JsonNode security = op.getValue().path("security");
                if (security.isArray() && security.isEmpty()) {
                    declaredPublic.add(path.getKey());
                }
            }
        }
        assertEquals(new TreeSet<>(PUBLIC), declaredPublic, "the OpenAPI document declares exactly these public");
        int probes = 0;
        List<String> seen = new ArrayList<>();
        for (String operation : documented) {
            String path = operation.substring(operation.indexOf(' ') + 1);
            RawHttp.Response response = RawHttp.get(port, path, List.of(), TIMEOUT);
            probes++;
            if (PUBLIC.contains(path)) {
                assertEquals(200, response.status(), path);
            } else {
                assertUnauthorized(path, response, "API key required. Provide via x-api-key header or api_key query "
                        + "parameter.");
            }
            seen.add(response.status() + " " + path);
            // HEAD answers as GET (as upstream does), without a body: 401 without a key on protected paths
            RawHttp.Response head = RawHttp.send(port, "HEAD", path.getBytes(StandardCharsets.US_ASCII), List.of(),
                    TIMEOUT);
            probes++;
            assertEquals(response.status(), head.status(), "HEAD " + path);
            assertEquals(response.header("content-type"), head.header("content-type"), "HEAD " + path);
            for (String method : List.of("POST", "PUT", "PATCH", "DELETE", "TRACE", "FOO")) {
                RawHttp.Response other = RawHttp.send(port, method, path.getBytes(StandardCharsets.US_ASCII),
                        List.of("Content-Length: 0"), TIMEOUT);
                probes++;
                assertNotAnswered(method + " " + path, other);
            }
        }
        // paths that are not documented: upstream's other public paths, spellings that a router might normalize,
        // files next to the page, and a key in places where it does not count
        String key = keys.get("active");
        List<String> undocumented = List.of("/api/v2", "/api/v2/", "/api/v2/info", "/api/v2/_internal/health",
                "/api/v2/health/consumers", "/api/v2/docs", "/api/v2/unknown", "/api/v2/instances", "/api/v2/keys",
                "/health", "/metrics", "/openapi.json", "/api/v1/dashboard", "/x/../api/v2/dashboard",
                "/%61pi/v2/dashboard", "/api/v2//dashboard", "/api/v2/./dashboard", "/api/v2/health/../dashboard",
                "/api/v2/dashboard/", "/api/v2/dashboard;x=1", "/API/v2/dashboard", "/api/V2/dashboard",
                "/api/v2%2fdashboard", "/./api/v2/dashboard", "/api/v2/health/..%2fdashboard",
                "/api/v2/openapi.json/../dashboard", "/api/v2/health/../../api/v2/events/analytics",
                "//api/v2/dashboard", "/api/v2/dashboard%00", "/api/v2/dashboard%20", "/api/v2/dashboard.json",
                "/api/v2/health%2f..%2fdashboard", "/api/v2/health/%2e%2e/dashboard", "/api/v2/%2e/dashboard",
                "/api/v2/health;/../dashboard", "/assets/../api/v2/dashboard", "/api/v2/health/.", "/api/v2/health/",
                "/api/v2/openapi.json/", "/api/v2/events/stream/", "/api/v2/metrics/", "/api/v2/health?x=/../dashboard",
                "http://127.0.0.1/api/v2/dashboard", "/api/v2/dashboard?api-key=" + key, "/api/v2/dashboard?API_KEY="
                        + key, "/api/v2/dashboard?apiKey=" + key, "/api/v2/dashboard?key=" + key);
        for (String path : undocumented) {
            RawHttp.Response response = RawHttp.get(port, path, List.of(), TIMEOUT);
            probes++;
            assertNotAnswered("GET " + path, response);
            seen.add(response.status() + " " + path);
        }
        // a valid key in the wrong header, and malformed key headers
        for (String header : List.of("Authorization: Bearer " + key, "Authorization: " + key, "Cookie: api_key=" + key,
                "x-api_key: " + key, "api_key: " + key, "x-api-key: Bearer " + key, "x-api-key: " + key.substring(0, 39),
                "x-api-key: " + key.toUpperCase(Locale.ROOT), "x-api-key: omni_sk_", "x-api-key: " + key + key)) {
            RawHttp.Response response = RawHttp.get(port, "/api/v2/dashboard", List.of(header), TIMEOUT);
            probes++;
            assertEquals(401, response.status(), header + ": " + response.text());
        }
        // a present but empty header counts as missing and then the query parameter is not consulted (upstream)
        RawHttp.Response empty = RawHttp.get(port, "/api/v2/dashboard?api_key=" + key, List.of("x-api-key: "),
                TIMEOUT);
        assertEquals(401, empty.status(), empty.text());
        // the right key works in both places, and the header name is case-insensitive
        assertEquals(200, RawHttp.get(port, "/api/v2/dashboard", List.of("X-API-KEY: " + key), TIMEOUT).status());
        assertEquals(200, RawHttp.get(port, "/api/v2/dashboard?api_key=" + keys.get("query"), List.of(), TIMEOUT)
                .status());
        System.out.printf(Locale.ROOT, "security: %d unauthenticated probes over %d documented operations and %d "
                + "other paths; only %s answered%n", probes, documented.size(), undocumented.size(), PUBLIC);
    }

    /** Not 2xx, unless it is a public resource (a spelling that normalizes to health or the OpenAPI document). */
    private void assertNotAnswered(String what, RawHttp.Response response) {
        int status = response.status();
        if (status == 204 && response.body().length == 0 && what.startsWith("OPTIONS")) {
            return;
        }
        if (status >= 200 && status < 300) {
            String body = response.text();
            boolean publicResource = body.startsWith("{\"status\":") && body.contains("\"checks\"")
                    || body.startsWith("{\"openapi\"") || body.startsWith("openapi:");
            assertTrue(publicResource, what + " answered " + status + " without a key: " + body);
        }
        assertTrue(status != 500 && status > 0, what + " answered " + status);
        for (String field : List.of("totalMessages", "totalEvents", "deadLetters", "totalExecutions", "omni_rollup_")) {
            assertFalse(response.text().contains(field), what + " leaked data without a key: " + response.text());
        }
    }

    private static void assertUnauthorized(String what, RawHttp.Response response, String message) throws IOException {
        assertEquals(401, response.status(), what + ": " + response.text());
        JsonNode error = ApiClient.JSON.readTree(response.body()).path("error");
        assertEquals("UNAUTHORIZED", error.path("code").asText(), what);
        assertEquals(message, error.path("message").asText(), what);
    }

    // ------------------------------------------------------------------------------------------------ revocation

    @Test
    @Order(2)
    void revokedDeletedAndExpiredKeysAreRefusedWithinTheCacheTtl() throws Exception {
        for (String name : List.of("expired-status", "past-expiry", "canary")) {
            assertUnauthorized(name, RawHttp.get(port, "/api/v2/dashboard", List.of("x-api-key: " + keys.get(name)),
                    TIMEOUT), "Invalid API key");
        }
        double revoked = refusedAfter("revoke", "UPDATE api_keys SET status = 'revoked', revoked_at = now(), "
                + "revoke_reason = 'test' WHERE key_hash = ?", Optional.empty());
        double deleted = refusedAfter("delete", "DELETE FROM api_keys WHERE key_hash = ?", Optional.empty());
        Instant expiry = Instant.now().plus(Duration.ofSeconds(3));
        double expired = refusedAfter("expire-soon", "UPDATE api_keys SET expires_at = ? WHERE key_hash = ?",
                Optional.of(expiry));
        double afterExpiry = (System.currentTimeMillis() - expiry.toEpochMilli()) / 1000.0;
        assertTrue(revoked <= KEY_TTL.toMillis() / 1000.0 + 1.0, "revoked key refused after " + revoked + " s");
        assertTrue(deleted <= KEY_TTL.toMillis() / 1000.0 + 1.0, "deleted key refused after " + deleted + " s");
        assertTrue(afterExpiry <= 1.0, "an expired key is refused at its expiry, even from the cache (" + afterExpiry
                + " s late)");
        System.out.printf(Locale.ROOT, "security: with api-key-cache-ttl %d ms: revoked key refused %.2f s after the "
                + "UPDATE, deleted key %.2f s after the DELETE, expiring key %.2f s after its expires_at; keys with "
                + "status 'expired', a past expires_at, or no row refused at once%n", KEY_TTL.toMillis(), revoked,
                deleted, afterExpiry);
    }

    /** Caches the key, runs {@code sql}, then polls until the key is refused; returns the seconds that took. */
    private double refusedAfter(String name, String sql, Optional<Instant> expiresAt) throws Exception {
        String key = keys.get(name);
        assertEquals(200, RawHttp.get(port, "/api/v2/dead-letters/stats", List.of("x-api-key: " + key), TIMEOUT)
                .status(), name + " works before");
        long start;
        try (Connection c = omni.connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            if (expiresAt.isPresent()) {
                ps.setObject(i++, LocalDateTime.ofInstant(expiresAt.get(), ZoneOffset.UTC));
            }
            ps.setString(i, DemoOmni.sha256Hex(key));
            start = System.nanoTime();
            assertEquals(1, ps.executeUpdate());
        }
        // polled 10 times a second, well under the rate limit
        Await.until(name + " is refused (401)", Duration.ofSeconds(30), Duration.ofMillis(100), () -> {
            RawHttp.Response response = RawHttp.get(port, "/api/v2/dead-letters/stats", List.of("x-api-key: " + key),
                    TIMEOUT);
            if (response.status() != 401) {
                assertEquals(200, response.status(), name + " until it is refused: " + response.text());
            }
            return response.status() == 401;
        });
        double seconds = (System.nanoTime() - start) / 1e9;
        for (int i = 0; i < 10; i++) { // and it stays refused, in both places
            assertEquals(401, RawHttp.get(port, "/api/v2/dead-letters/stats", List.of("x-api-key: " + key), TIMEOUT)
                    .status());
            assertEquals(401, RawHttp.get(port, "/api/v2/dead-letters/stats?api_key=" + key, List.of(), TIMEOUT)
                    .status());
        }
        return seconds;
    }

    // ------------------------------------------------------------------------------------------------ rate limit

    @Test
    @Order(3)
    void rateLimitAllowsExactlyNPerWindowUnderConcurrentRequests() throws Exception {
        int perKey = 4 * RATE_LIMIT;
        List<String> requestKeys = new ArrayList<>();
        for (int i = 0; i < perKey; i++) {
            requestKeys.add(keys.get("rate-1"));
            requestKeys.add(keys.get("rate-2"));
        }
        ApiClient client = new ApiClient(port, Optional.empty(), TIMEOUT);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<ApiClient.Result>> results = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (String key : requestKeys) {
                results.add(threads.submit(() -> {
                    go.await();
                    return client.get("/api/v2/dead-letters/stats", Map.of("x-api-key", key));
                }));
            }
            go.countDown();
        }
        Map<String, List<Long>> remaining = new TreeMap<>();
        Map<String, Integer> limited = new TreeMap<>();
        long nowSecond = Instant.now().getEpochSecond();
        for (int i = 0; i < results.size(); i++) {
            ApiClient.Result result = results.get(i).get();
            String who = requestKeys.get(i).equals(keys.get("rate-1")) ? "rate-1" : "rate-2";
            assertEquals(Integer.toString(RATE_LIMIT), result.header("X-RateLimit-Limit").orElse(""), result.toString());
            long reset = Long.parseLong(result.header("X-RateLimit-Reset").orElseThrow());
            assertTrue(reset >= nowSecond - 5 && reset <= nowSecond + 61, "reset " + reset);
            if (result.status() == 200) {
                remaining.computeIfAbsent(who, k -> new ArrayList<>())
                        .add(Long.parseLong(result.header("X-RateLimit-Remaining").orElseThrow()));
            } else {
                assertEquals(429, result.status(), result.toString());
                JsonNode error = result.json().path("error");
                assertEquals("RATE_LIMITED", error.path("code").asText());
                assertEquals("Too many requests. Please slow down.", error.path("message").asText());
                assertEquals(RATE_LIMIT, error.path("details").path("limit").asInt());
                assertEquals(60_000, error.path("details").path("windowMs").asInt());
                long retry = error.path("details").path("retryAfterMs").asLong(-1);
                assertTrue(retry > 0 && retry <= 60_000, "retryAfterMs " + retry);
                assertEquals("0", result.header("X-RateLimit-Remaining").orElse(""));
                limited.merge(who, 1, Integer::sum);
            }
        }
        for (String who : List.of("rate-1", "rate-2")) {
            List<Long> left = remaining.getOrDefault(who, List.of());
            assertEquals(RATE_LIMIT, left.size(), who + ": exactly " + RATE_LIMIT + " allowed of " + perKey);
            List<Long> sorted = new ArrayList<>(left);
            Collections.sort(sorted);
            for (int i = 0; i < RATE_LIMIT; i++) {
                assertEquals(i, sorted.get(i), who + ": every remaining count from " + (RATE_LIMIT - 1)
                        + " down to 0 exactly once " + sorted);
            }
            assertEquals(perKey - RATE_LIMIT, limited.get(who));
        }
        // the static key has a window of its own, untouched by the two above
        ApiClient.Result own = new ApiClient(port, Optional.of(staticKey), TIMEOUT).get("/api/v2/dead-letters/stats");
        assertEquals(200, own.status());
        assertEquals(Integer.toString(RATE_LIMIT - 1), own.header("X-RateLimit-Remaining").orElse(""));
        System.out.printf(Locale.ROOT, "security: rate limit %d per 60 s window: %d concurrent requests on two keys; "
                + "exactly %d allowed per key (remaining %d..0 each once), %d answered 429 RATE_LIMITED%n", RATE_LIMIT,
                requestKeys.size(), RATE_LIMIT, RATE_LIMIT - 1, limited.values().stream().mapToInt(i -> i).sum());
    }

    // ------------------------------------------------------------------------------------------------ headers, CORS

    @Test
    @Order(4)
    void securityHeadersAndCorsAreUpstreamsAndFollowTheConfiguration() throws Exception {
        String key = keys.get("active");
        Map<String, RawHttp.Response> responses = new LinkedHashMap<>();
        responses.put("200", RawHttp.get(port, "/api/v2/dashboard", List.of("x-api-key: " + key), TIMEOUT));
        responses.put("200 health", RawHttp.get(port, "/api/v2/health", List.of(), TIMEOUT));
        responses.put("200 page", RawHttp.get(port, "/", List.of(), TIMEOUT));
        responses.put("400", RawHttp.get(port, "/api/v2/events/analytics?granularity=weekly",
                List.of("x-api-key: " + key), TIMEOUT));
        responses.put("401", RawHttp.get(port, "/api/v2/dashboard", List.of(), TIMEOUT));
        responses.put("404", RawHttp.get(port, "/nothing", List.of(), TIMEOUT));
        responses.put("429", RawHttp.get(port, "/api/v2/dashboard", List.of("x-api-key: " + keys.get("rate-1")),
                TIMEOUT));
        for (Map.Entry<String, RawHttp.Response> entry : responses.entrySet()) {
            RawHttp.Response response = entry.getValue();
            assertTrue(entry.getKey().startsWith(Integer.toString(response.status())), entry.getKey() + " was "
                    + response.status());
            SECURE_HEADERS.forEach((name, value) -> assertEquals(value, response.header(name).orElse(null),
                    name + " on " + entry.getKey()));
            assertTrue(response.header("x-request-id").isPresent(), "x-request-id on " + entry.getKey());
            assertTrue(response.header("x-powered-by").isEmpty() && response.header("server").isEmpty(),
                    "no server banner on " + entry.getKey());
        }
        assertTrue(responses.get("200 page").header("content-security-policy").orElse("").contains("default-src 'none'"));

        // cors-origins = a list: exactly those origins, on every answer (401 too), preflight without a key
        assertCors(port, ALLOWED, Optional.of(ALLOWED));
        assertCors(port, "https://ops.example.com", Optional.of("https://ops.example.com"));
        for (String origin : List.of("https://evil.example.com", "null", ALLOWED + ".evil.com",
                "https://DASH.example.com", "http://dash.example.com", ALLOWED + ":443", ALLOWED + "/")) {
            assertCors(port, origin, Optional.empty());
        }
        // cors-origins = * and unset, on two more serve processes
        for (String setting : List.of("*", "")) {
            int other = Distribution.freePort();
            Map<String, String> otherSettings = new LinkedHashMap<>(settings);
            otherSettings.put("OMNI_ROLLUP_HTTP_PORT", Integer.toString(other));
            otherSettings.put("OMNI_ROLLUP_CORS_ORIGINS", setting);
            try (Distribution second = Distribution.start(otherSettings, "serve")) {
                second.awaitLine(l -> l.contains("omni-rollup serve running"), Duration.ofSeconds(90));
                for (String origin : List.of(ALLOWED, "https://evil.example.com")) {
                    assertCors(other, origin, setting.equals("*") ? Optional.of("*") : Optional.empty());
                }
            }
        }
        System.out.println("security: secure headers (Hono's secureHeaders() set) on 200/400/401/404/429 and the "
                + "page; CORS exact-match for cors-origins lists, '*' when set so, none when unset; preflight 204 "
                + "without a key");
    }

    private void assertCors(int port, String origin, Optional<String> allowed) {
        RawHttp.Response get = RawHttp.get(port, "/api/v2/dashboard", List.of("Origin: " + origin,
                "x-api-key: " + keys.get("active")), TIMEOUT);
        RawHttp.Response denied = RawHttp.get(port, "/api/v2/dashboard", List.of("Origin: " + origin), TIMEOUT);
        RawHttp.Response preflight = RawHttp.send(port, "OPTIONS", "/api/v2/dashboard".getBytes(StandardCharsets.US_ASCII),
                List.of("Origin: " + origin, "Access-Control-Request-Method: GET",
                        "Access-Control-Request-Headers: x-api-key"), TIMEOUT);
        assertEquals(200, get.status(), get.text());
        assertEquals(401, denied.status());
        assertEquals(204, preflight.status(), "preflight needs no key");
        assertEquals(0, preflight.body().length);
        for (RawHttp.Response response : List.of(get, denied, preflight)) {
            assertEquals(allowed, response.header("access-control-allow-origin"), origin);
            if (allowed.isPresent()) {
                assertEquals(EXPOSE, response.header("access-control-expose-headers").orElse(""), origin);
            }
            assertTrue(response.header("access-control-allow-credentials").isEmpty(), "credentials never allowed");
        }
        if (allowed.isPresent()) {
            assertEquals("86400", preflight.header("access-control-max-age").orElse(""));
            assertEquals("GET,POST,PUT,PATCH,DELETE,OPTIONS", preflight.header("access-control-allow-methods").orElse(""));
            assertEquals("Content-Type,x-api-key,x-request-id", preflight.header("access-control-allow-headers")
                    .orElse(""));
        } else {
            assertTrue(preflight.header("access-control-allow-methods").isEmpty(), origin);
        }
    }

    private static Map<String, String> secureHeaders() {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Cross-Origin-Resource-Policy", "same-origin");
        headers.put("Cross-Origin-Opener-Policy", "same-origin");
        headers.put("Origin-Agent-Cluster", "?1");
        headers.put("Referrer-Policy", "no-referrer");
        headers.put("Strict-Transport-Security", "max-age=15552000; includeSubDomains");
        headers.put("X-Content-Type-Options", "nosniff");
        headers.put("X-DNS-Prefetch-Control", "off");
        headers.put("X-Download-Options", "noopen");
        headers.put("X-Frame-Options", "SAMEORIGIN");
        headers.put("X-Permitted-Cross-Domain-Policies", "none");
        headers.put("X-XSS-Protection", "0");
        return headers;
    }

    // ------------------------------------------------------------------------------------------------ SQL

    @Test
    @Order(5)
    void userInputReachesPostgresOnlyAsBoundParameters() throws Exception {
        String key = keys.get("active");
        // HTTP: a valid instance id (reaches SQL), and injection strings in every parameter (rejected before SQL)
        List<String> requests = new ArrayList<>();
        requests.add("/api/v2/events/analytics?instanceId=" + CANARY_UUID);
        requests.add("/api/v2/events/analytics?instanceId=" + CANARY_UUID.toUpperCase(Locale.ROOT)
                + "&granularity=hourly&since=2026-01-01T00:00:00Z");
        requests.add("/api/v2/events/analytics?instanceId=" + CANARY_UUID + "&allTime=true&granularity=daily");
        String injected = URLEncoder.encode(CANARY_PARAMETER, StandardCharsets.UTF_8);
        for (String parameter : List.of("since", "until", "instanceId", "granularity", "allTime", "fill", "unknown")) {
            requests.add("/api/v2/events/analytics?" + parameter + "=" + injected);
        }
        requests.add("/api/v2/events/stream?instanceId=" + injected);
        requests.add("/api/v2/event-ops/metrics?since=" + injected);
        requests.add("/api/v2/dashboard?" + injected + "=" + injected);
        for (String request : requests) {
            RawHttp.Response response = RawHttp.get(port, request, List.of("x-api-key: " + key), TIMEOUT);
            assertTrue(response.status() == 200 || response.status() == 400, request + ": " + response.status());
        }
        RawHttp.Response unknownKey = RawHttp.get(port, "/api/v2/dashboard", List.of("x-api-key: " + keys.get("canary")),
                TIMEOUT);
        assertEquals(401, unknownKey.status());

        // NATS: strings from the payload that the ingest stores (error code, external id) and a poison body
        Instant now = Instant.now();
        List<OmniEvent> events = TrafficGenerator.generate(new TrafficGenerator.Config(3, now.minus(Duration
                .ofMinutes(30)), now, 400, instances, TrafficGenerator.Mix.messagesOnly()));
        OmniEvent failed = events.stream().filter(e -> e.type().equals("message.failed")
                && e.subject().split("\\.").length >= 4).findFirst().orElseThrow();
        OmniEvent sent = events.stream().filter(e -> e.type().equals("message.sent")
                && e.subject().split("\\.").length >= 4).findFirst().orElseThrow();
        List<OmniEvent> canaries = List.of(
                failed.withPayloadField("errorCode", TextNode.valueOf(CANARY_ERROR)),
                sent.withPayloadField("externalId", TextNode.valueOf(CANARY_EXTERNAL_ID)));
        Publisher publisher = Publisher.on(nats);
        publisher.publishAll(canaries);
        publisher.publishRaw("message.received.whatsapp-baileys." + instances.get(0).id(),
                ("{\"id\":\"" + CANARY_POISON + "\",\"type\":").getBytes(StandardCharsets.UTF_8));
        IngestLag.awaitCaughtUp(nats, Duration.ofSeconds(60));
        JsonNode stages = new ApiClient(port, Optional.of(key), TIMEOUT).get("/api/v2/events/analytics?allTime=true")
                .json().path("errorStages");
        assertEquals(1, stages.path(CANARY_ERROR).asLong(), "the error code is stored as data: " + stages);

        // PostgreSQL's statement log: markers only ever in bound parameters
        String log = Files.readString(dir.resolve("pglog").resolve("postgresql.log"), StandardCharsets.ISO_8859_1);
        List<String> records = records(log);
        Map<String, Integer> boundCounts = new TreeMap<>();
        int statements = 0;
        Set<String> shapes = new TreeSet<>();
        Map<String, Integer> perApplication = new TreeMap<>();
        for (String record : records) {
            boolean parameters = record.contains("@DETAIL:  parameters: ");
            if (record.contains("@LOG:  execute ") || record.contains("@LOG:  statement: ")) {
                statements++;
                String[] prefix = record.split("@", 4);
                if (prefix.length == 4) {
                    perApplication.merge(prefix[2], 1, Integer::sum);
                }
                shapes.add(record.replaceFirst("^.*?@LOG:  (execute [^:]*|statement): ", "")
                        .replaceAll("\\s+", " ").trim());
            }
            for (String marker : List.of("c0ffee00-dead-4bad-8bad-00000000c0de", "ZQCANARYERR", "zqcanaryext",
                    "zqcanarypoison", "zqcanaryparam", DemoOmni.sha256Hex(keys.get("canary")))) {
                if (record.contains(marker)) {
                    assertTrue(parameters, "'" + marker + "' reached PostgreSQL outside a bound parameter: " + record);
                    boundCounts.merge(marker, 1, Integer::sum);
                }
            }
            for (String secret : usedKeys) {
                assertFalse(record.contains(secret), "a raw API key reached PostgreSQL: " + record);
            }
        }
        for (String marker : List.of("c0ffee00-dead-4bad-8bad-00000000c0de", "ZQCANARYERR", "zqcanaryext",
                "zqcanarypoison", DemoOmni.sha256Hex(keys.get("canary")))) {
            assertTrue(boundCounts.getOrDefault(marker, 0) > 0, marker + " reached PostgreSQL as a bound parameter");
        }
        assertFalse(boundCounts.containsKey("zqcanaryparam"), "injection strings in query parameters are rejected "
                + "before any SQL");
        Path shapesFile = Path.of(System.getProperty("omni-rollup.deploy.dir", "."), "target", "reliability",
                "sql-statement-shapes.txt");
        Files.createDirectories(shapesFile.getParent());
        Files.write(shapesFile, shapes);
        assertTrue(perApplication.getOrDefault("omni-rollup-serve", 0) > 0
                && perApplication.getOrDefault("omni-rollup-ingest", 0) > 0, "both processes' SQL is in the log: "
                + perApplication);
        System.out.printf(Locale.ROOT, "security: PostgreSQL logged %d statements %s (%d distinct texts, listed in "
                + "%s); user-input markers found only in bound parameters: %s; raw keys: none%n", statements,
                perApplication, shapes.size(), shapesFile, boundCounts);
    }

    /** The log split into records: a record starts with the prefix's timestamp; continuation lines belong to it. */
    private static List<String> records(String log) {
        Pattern start = Pattern.compile("^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d+ \\S+@\\d+@");
        List<String> records = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : log.split("\n", -1)) {
            if (start.matcher(line).find() && !current.isEmpty()) {
                records.add(current.toString());
                current.setLength(0);
            }
            current.append(current.isEmpty() ? "" : "\n").append(line);
        }
        if (!current.isEmpty()) {
            records.add(current.toString());
        }
        return records;
    }

    // ------------------------------------------------------------------------------------------------ logs

    @Test
    @Order(6)
    void noKeyEverAppearsInAnyLog() throws Exception {
        // once more with every key in the query string, valid or not, on success and error paths
        long accessLinesBefore = accessLines(serve);
        int requests = 0;
        for (String key : usedKeys) {
            RawHttp.get(port, "/api/v2/dashboard?api_key=" + key, List.of(), TIMEOUT);
            RawHttp.get(port, "/api/v2/events/analytics?granularity=weekly&api_key=" + key, List.of(), TIMEOUT);
            RawHttp.get(port, "/api/v2/nothing?api_key=" + key, List.of(), TIMEOUT);
            RawHttp.get(port, "/api/v2/dashboard", List.of("x-api-key: " + key), TIMEOUT);
            requests += 4;
        }
        String wrong = "omni_sk_" + UUID.randomUUID().toString().replace("-", "");
        RawHttp.get(port, "/api/v2/dashboard", List.of("x-api-key: " + wrong), TIMEOUT);
        requests++;
        usedKeys.add(wrong);
        // the access-log line is written once the response is sent, PostgreSQL's log by its collector process
        long expectedAccessLines = accessLinesBefore + requests;
        Await.until("serve has logged each of the " + requests + " requests", Duration.ofSeconds(10),
                () -> accessLines(serve) >= expectedAccessLines);
        String lookedUp = DemoOmni.sha256Hex(wrong);
        Await.until("PostgreSQL has logged the lookup of the last key", Duration.ofSeconds(10),
                () -> postgresLog().contains(lookedUp));
        Map<String, List<String>> logs = new LinkedHashMap<>();
        logs.put("serve --verbose", serve.output());
        logs.put("ingest --verbose", ingest.output());
        logs.put("PostgreSQL", postgresLog().lines().toList());
        int lines = 0;
        for (Map.Entry<String, List<String>> log : logs.entrySet()) {
            lines += log.getValue().size();
            for (String line : log.getValue()) {
                for (String key : usedKeys) {
                    String secret = key.substring("omni_sk_".length());
                    assertFalse(line.contains(secret), "a key appears in the " + log.getKey() + " log: " + line);
                }
            }
        }
        assertTrue(serve.output().stream().anyMatch(l -> l.contains("GET /api/v2/dashboard 200")),
                "the access log is on (--verbose), so this proves something");
        System.out.printf(Locale.ROOT, "security: %d keys used in headers and api_key, on 200/400/401/404/429 "
                + "answers; none of them (nor its secret part) in %d lines of serve, ingest and PostgreSQL logs%n",
                usedKeys.size(), lines);
    }

    /** The access-log lines {@code serve --verbose} has written so far ({@code GET /path 401 1.234ms}). */
    private static long accessLines(Distribution serve) {
        return serve.output().stream().filter(l -> ACCESS_LINE.matcher(l).find()).count();
    }

    /** PostgreSQL's statement log as it stands. */
    private String postgresLog() {
        try {
            return Files.readString(dir.resolve("pglog").resolve("postgresql.log"), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void insertKey(String name, String status, Optional<Instant> expiresAt) throws Exception {
        try (Connection c = omni.connect(); PreparedStatement ps = c.prepareStatement("INSERT INTO api_keys (name, "
                + "key_prefix, key_hash, scopes, status, expires_at) VALUES (?, ?, ?, ARRAY['*'], ?, ?)")) {
            String key = keys.get(name);
            ps.setString(1, "security-" + name);
            ps.setString(2, key.substring(0, 12));
            ps.setString(3, DemoOmni.sha256Hex(key));
            ps.setString(4, status);
            ps.setObject(5, expiresAt.map(t -> LocalDateTime.ofInstant(t, ZoneOffset.UTC)).orElse(null));
            ps.executeUpdate();
        }
    }
}
