package dev.omnirollup.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.omnirollup.sim.ScratchDatabase;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Authentication, validation, errors, rate limiting and headers over real HTTP, as upstream answers them. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpContractTest {
    static final Instant NOW = Instant.parse("2026-02-12T15:37:00Z");
    static final String ACTIVE = "omni_sk_" + "A".repeat(32);
    static final String FUTURE = "omni_sk_" + "F".repeat(32);
    static final String REVOKED = "omni_sk_" + "R".repeat(32);
    static final String EXPIRED_BY_TIME = "omni_sk_" + "E".repeat(32);
    static final String EXPIRED_STATUS = "omni_sk_" + "X".repeat(32);
    static final String CACHED = "omni_sk_" + "C".repeat(32);
    static final String UNKNOWN = "omni_sk_" + "U".repeat(32);
    static final String MISSING = "{\"error\":{\"code\":\"UNAUTHORIZED\",\"message\":\"API key required. Provide via "
            + "x-api-key header or api_key query parameter.\"}}";
    static final String INVALID = "{\"error\":{\"code\":\"UNAUTHORIZED\",\"message\":\"Invalid API key\"}}";

    ScratchDatabase scratch;
    TestApi api;

    @BeforeAll
    void start() throws SQLException {
        scratch = TestApi.freshDatabase();
        try (Connection c = scratch.connect()) {
            insertKey(c, ACTIVE, "active", Optional.empty());
            insertKey(c, FUTURE, "active", Optional.of(NOW.plusSeconds(3600)));
            insertKey(c, REVOKED, "revoked", Optional.empty());
            insertKey(c, EXPIRED_BY_TIME, "active", Optional.of(NOW.minusSeconds(1)));
            insertKey(c, EXPIRED_STATUS, "expired", Optional.empty());
            insertKey(c, CACHED, "active", Optional.empty());
        }
        api = TestApi.start(scratch, false, InstantSource.fixed(NOW), Map.of("cors-origins", "https://dash.example"),
                Optional.empty());
    }

    @AfterAll
    void stop() {
        api.close();
        scratch.close();
    }

    static void insertKey(Connection c, String key, String status, Optional<Instant> expiresAt) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO api_keys (name, key_prefix, key_hash, scopes, status,"
                + " expires_at) VALUES (?, ?, ?, ARRAY['*'], ?, ?)")) {
            ps.setString(1, "key " + key.charAt(8) + status);
            ps.setString(2, key.substring(0, 12));
            ps.setString(3, HexFormat.of().formatHex(ApiKeys.sha256(key)));
            ps.setString(4, status);
            ps.setObject(5, expiresAt.map(t -> LocalDateTime.ofInstant(t, ZoneOffset.UTC)).orElse(null));
            ps.executeUpdate();
        }
    }

    private static String q(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    @Test
    void missingKeys() {
        assertEquals(MISSING, api.get("/api/v2/event-ops/metrics", Map.of()).body());
        assertEquals(401, api.get("/api/v2/event-ops/metrics", Map.of()).status());
        assertEquals(MISSING, api.get("/api/v2/event-ops/metrics?api_key=", Map.of()).body());
        // an empty header is missing, and then the query parameter is not consulted
        assertEquals(MISSING, api.get("/api/v2/event-ops/metrics?api_key=" + ACTIVE, Map.of("x-api-key", "")).body());
    }

    @Test
    void invalidKeys() {
        for (String key : List.of("sk_" + "A".repeat(32), "OMNI_SK_" + "A".repeat(32), REVOKED, EXPIRED_BY_TIME,
                EXPIRED_STATUS, UNKNOWN, "omni_sk_")) {
            TestApi.Reply reply = api.get("/api/v2/event-ops/metrics", Map.of("x-api-key", key));
            assertEquals(401, reply.status(), key);
            assertEquals(INVALID, reply.body(), key);
            assertTrue(reply.header("X-RateLimit-Limit").isEmpty());
        }
        // the header wins over the query parameter
        assertEquals(INVALID, api.get("/api/v2/event-ops/metrics?api_key=" + ACTIVE, Map.of("x-api-key", UNKNOWN)).body());
    }

    @Test
    void validKeysByHeaderQueryOrConfiguration() {
        for (String key : List.of(ACTIVE, FUTURE, TestApi.STATIC_KEY)) {
            TestApi.Reply reply = api.get("/api/v2/dead-letters/stats", Map.of("x-api-key", key));
            assertEquals(200, reply.status(), key + ": " + reply.body());
            assertEquals("application/json", reply.header("content-type").orElseThrow());
            assertTrue(reply.header("X-RateLimit-Limit").isPresent());
        }
        assertEquals(200, api.get("/api/v2/dead-letters/stats?api_key=" + ACTIVE, Map.of()).status());
    }

    @Test
    void validatedKeysAreCached() throws SQLException {
        assertEquals(200, api.get("/api/v2/dead-letters/stats", Map.of("x-api-key", CACHED)).status());
        try (Connection c = scratch.connect(); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE api_keys SET status = 'revoked' WHERE key_prefix = '" + CACHED.substring(0, 12) + "'");
        }
        // within api-key-cache-ttl (60 s on a fixed clock) the key is still trusted, as upstream's 60 s cache does
        assertEquals(200, api.get("/api/v2/dead-letters/stats", Map.of("x-api-key", CACHED)).status());
    }

    @Test
    void publicPaths() {
        assertEquals(200, api.get("/api/v2/health", Map.of()).status());
        assertEquals(200, api.get("/api/v2/openapi.json", Map.of()).status());
        TestApi.Reply yaml = api.get("/api/v2/openapi.yaml", Map.of());
        assertEquals(200, yaml.status());
        assertTrue(yaml.body().startsWith("openapi: 3.1.0"));
        assertEquals(401, api.get("/api/v2/metrics", Map.of()).status());
    }

    @Test
    void unknownPaths() {
        assertEquals(MISSING, api.get("/api/v2/nope", Map.of()).body());
        TestApi.Reply reply = api.get("/api/v2/nope");
        assertEquals(404, reply.status());
        assertEquals("{\"error\":{\"code\":\"NOT_FOUND\",\"message\":\"Endpoint not found: GET /api/v2/nope\"}}",
                reply.body());
        assertTrue(reply.header("X-RateLimit-Remaining").isPresent());
        assertEquals("{\"error\":{\"code\":\"NOT_FOUND\",\"message\":\"Endpoint not found: POST /api/v2/event-ops/metrics\"}}",
                api.send("POST", "/api/v2/event-ops/metrics", Map.of("x-api-key", ACTIVE)).body());
        TestApi.Reply root = api.get("/health", Map.of());
        assertEquals(404, root.status());
        assertEquals("{\"error\":{\"code\":\"NOT_FOUND\",\"message\":\"Endpoint not found: GET /health\"}}", root.body());
    }

    /** One HTTP/1.1 response: status, headers (lower-case names), body (by its Content-Length; none for HEAD). */
    record Raw(int status, Map<String, String> headers, byte[] body) {
    }

    /**
     * One request on a connection of its own, then a second one on the same connection, whose status line must be
     * the next bytes: so a response carries exactly the body its headers announce (none for {@code HEAD}).
     */
    static Raw raw(TestApi api, String method, String path, Map<String, String> headers) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", api.server.port())) {
            socket.setSoTimeout(10_000);
            StringBuilder request = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n");
            headers.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
            OutputStream out = socket.getOutputStream();
            out.write(request.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
            InputStream in = new BufferedInputStream(socket.getInputStream());
            List<String> lines = headerLines(in);
            Map<String, String> parsed = new TreeMap<>();
            for (String line : lines.subList(1, lines.size())) {
                int colon = line.indexOf(':');
                parsed.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        line.substring(colon + 1).trim());
            }
            byte[] body = method.equals("HEAD") ? new byte[0]
                    : in.readNBytes(Integer.parseInt(parsed.getOrDefault("content-length", "0")));
            out.write("GET /api/v2/openapi.yaml HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            String next = headerLines(in).getFirst();
            assertTrue(next.startsWith("HTTP/1.1 200"), method + " " + path + ": bytes after the response: " + next);
            return new Raw(Integer.parseInt(lines.getFirst().split(" ")[1]), parsed, body);
        }
    }

    /** The status line and header lines of the next response, up to the empty line. */
    private static List<String> headerLines(InputStream in) throws IOException {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        int previous = -1;
        for (int b = in.read(); b >= 0; b = in.read()) {
            if (previous == '\r' && b == '\n') {
                line.setLength(line.length() - 1);
                if (line.isEmpty()) {
                    return lines;
                }
                lines.add(line.toString());
                line.setLength(0);
                if (lines.size() == 1 && !lines.getFirst().startsWith("HTTP/1.1 ")) {
                    return lines; // not a response: the caller reports it
                }
            } else {
                line.append((char) b);
            }
            previous = b;
        }
        lines.add(line.toString());
        return lines;
    }

    @Test
    void headAnswersAsGetWithoutABody() throws IOException {
        Map<String, String> key = Map.of("x-api-key", ACTIVE);
        Map<String, Map<String, String>> routes = new LinkedHashMap<>();
        // public routes, the page, and 404s need no key
        for (String path : List.of("/api/v2/health", "/api/v2/openapi.json", "/api/v2/openapi.yaml", "/nope",
                "/api/v2/nope?x=1")) {
            routes.put(path, Map.of());
        }
        PageService.FILES.keySet().forEach(path -> routes.put(path, Map.of()));
        for (String path : List.of("/api/v2/event-ops/metrics", "/api/v2/events/analytics",
                "/api/v2/events/analytics?granularity=hourly&fill=zero", "/api/v2/events/analytics?granularity=weekly",
                "/api/v2/dead-letters/stats", "/api/v2/automation-metrics", "/api/v2/automations/automation-metrics",
                "/api/v2/dashboard", "/api/v2/metrics", "/api/v2/nope")) {
            routes.put(path, key); // protected: with a key …
            routes.put(path + (path.contains("?") ? "&" : "?") + "nokey", Map.of()); // … and without (401)
        }
        // headers whose values differ from one request to the next
        Set<String> volatileValues = Set.of("date", "server-timing", "x-request-id", "x-ratelimit-remaining",
                "x-ratelimit-reset", "connection");
        for (Map.Entry<String, Map<String, String>> route : routes.entrySet()) {
            String path = route.getKey();
            Raw get = raw(api, "GET", path, route.getValue());
            Raw head = raw(api, "HEAD", path, route.getValue());
            assertEquals(get.status(), head.status(), path);
            assertTrue(get.body().length > 0, path + " GET has a body");
            assertEquals(get.headers().keySet(), head.headers().keySet(), path);
            // health's latency and the request counters may change between the two requests, so their lengths
            boolean bodyChanges = path.equals("/api/v2/health") || path.equals("/api/v2/metrics");
            for (String name : get.headers().keySet()) {
                if (!volatileValues.contains(name) && !(bodyChanges && name.equals("content-length"))) {
                    assertEquals(get.headers().get(name), head.headers().get(name), path + " " + name);
                }
            }
            assertEquals(Integer.toString(get.body().length), get.headers().get("content-length"), path);
            assertTrue(Integer.parseInt(head.headers().get("content-length")) > 0, path);
            assertEquals(path.endsWith("nokey") ? 401 : get.status(), head.status(), path);
        }
        // the live stream: its headers now, no body (a stream has no length); 401 without a key
        Raw stream = raw(api, "HEAD", "/api/v2/events/stream", key);
        assertEquals(200, stream.status());
        assertEquals("text/event-stream", stream.headers().get("content-type"));
        assertEquals("no-cache", stream.headers().get("cache-control"));
        assertEquals("0", stream.headers().get("content-length"));
        assertEquals(401, raw(api, "HEAD", "/api/v2/events/stream", Map.of()).status());
        assertEquals(400, raw(api, "HEAD", "/api/v2/events/stream?instanceId=x", key).status());
        // other methods are still 404
        assertEquals(404, raw(api, "PUT", "/api/v2/health", Map.of("Content-Length", "0")).status());
    }

    @Test
    void everyBadAnalyticsInput() {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("granularity=weekly", "granularity");
        cases.put("granularity=HOURLY", "granularity");
        cases.put("granularity=", "granularity");
        cases.put("granularity=hourly&granularity=hourly", "granularity");
        cases.put("since=2026-02-09T10:00:00", "since");
        cases.put("since=" + q("2026-02-09T10:00:00+03:00"), "since");
        cases.put("since=2026-02-09T10:00:00z", "since");
        cases.put("since=" + q("2026-02-09 10:00:00Z"), "since");
        cases.put("since=2026-02-09", "since");
        cases.put("since=2026-02-30T10:00:00Z", "since");
        cases.put("until=2026-02-30T10:00Z", "until");
        cases.put("since=2026-02-09T10:00Z&since=2026-02-09T11:00Z", "since");
        cases.put("instanceId=abc", "instanceId");
        cases.put("allTime=yes", "allTime");
        cases.put("fill=one&granularity=daily", "fill");
        cases.put("fill=zero", "fill");
        cases.put("granularity=hourly&fill=zero&since=2024-01-01T00:00Z", "fill");
        cases.put("granularity=daily&fill=zero&since=1990-01-01T00:00Z", "fill");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            TestApi.Reply reply = api.get("/api/v2/events/analytics?" + c.getKey());
            assertEquals(400, reply.status(), c.getKey() + ": " + reply.body());
            JsonNode error = reply.json().get("error");
            assertEquals("VALIDATION_ERROR", error.get("code").asText());
            assertEquals("Request validation failed", error.get("message").asText());
            assertEquals(List.of(c.getValue()), ParityTest.fieldNames(error.get("details").get("fields")), c.getKey());
            assertTrue(error.get("details").get("fields").get(c.getValue()).get(0).isTextual());
        }
        assertEquals("{\"error\":{\"code\":\"VALIDATION_ERROR\",\"message\":\"Request validation failed\",\"details\":"
                        + "{\"fields\":{\"granularity\":[\"Invalid enum value. Expected 'hourly' | 'daily', received 'weekly'\"]}}}}",
                api.get("/api/v2/events/analytics?granularity=weekly").body());
        // an empty allTime (with or without '=') is false, as upstream: the default window
        String defaultWindow = api.get("/api/v2/events/analytics?granularity=hourly").body();
        assertEquals(defaultWindow, api.get("/api/v2/events/analytics?granularity=hourly&allTime=").body());
        assertEquals(defaultWindow, api.get("/api/v2/events/analytics?granularity=hourly&allTime").body());
        assertEquals(defaultWindow, api.get("/api/v2/events/analytics?allTime&granularity=hourly").body());
        assertEquals(defaultWindow, api.get("/api/v2/events/analytics?granularity=hourly&allTime=false").body());
        assertEquals(400, api.get("/api/v2/events/analytics?allTime=&allTime=").status(), "given twice");
        // unknown parameters and repeats of them are ignored
        assertEquals(200, api.get("/api/v2/events/analytics?foo=1&foo=2").status());
        // extreme but valid windows are answered (reads are bounded by the buckets that exist)
        assertEquals(200, api.get("/api/v2/events/analytics?since=0000-01-01T00:00Z&granularity=hourly").status());
        assertEquals(200, api.get("/api/v2/events/analytics?since=0000-01-01T00:00Z&until=9999-12-31T23:59:59.999Z"
                + "&granularity=daily").status());
        // a year of hourly buckets is within the limit
        assertEquals(200, api.get("/api/v2/events/analytics?granularity=hourly&fill=zero&since=2025-02-13T00:00Z").status());
    }

    @Test
    void headersOnEveryResponse() {
        TestApi.Reply reply = api.get("/api/v2/health", Map.of("x-request-id", "abc-123"));
        assertEquals("abc-123", reply.header("x-request-id").orElseThrow());
        assertTrue(api.get("/api/v2/health", Map.of()).header("x-request-id").orElseThrow().matches("req_[0-9a-z]+_[0-9a-z]+"));
        assertTrue(api.get("/api/v2/nope", Map.of()).header("x-request-id").isPresent());
        TestApi.Reply invalid = api.get("/api/v2/events/analytics?granularity=weekly",
                Map.of("x-api-key", ACTIVE, "x-request-id", "bad-1"));
        assertEquals(400, invalid.status());
        assertEquals("bad-1", invalid.header("x-request-id").orElseThrow(), "error responses keep the request id");
        assertTrue(invalid.header("X-RateLimit-Limit").isPresent(), "and the rate-limit headers");
        assertEquals("nosniff", invalid.header("X-Content-Type-Options").orElseThrow());
        assertEquals("nosniff", reply.header("X-Content-Type-Options").orElseThrow());
        assertEquals("SAMEORIGIN", reply.header("X-Frame-Options").orElseThrow());
        assertEquals("no-referrer", reply.header("Referrer-Policy").orElseThrow());
        assertTrue(reply.header("Server-Timing").orElseThrow().startsWith("total;dur="));
    }

    @Test
    void cors() {
        TestApi.Reply allowed = api.get("/api/v2/health", Map.of("Origin", "https://dash.example"));
        assertEquals("https://dash.example", allowed.header("Access-Control-Allow-Origin").orElseThrow());
        assertTrue(allowed.header("Access-Control-Expose-Headers").orElseThrow().contains("X-RateLimit-Remaining"));
        assertTrue(api.get("/api/v2/health", Map.of("Origin", "https://evil.example"))
                .header("Access-Control-Allow-Origin").isEmpty());
        TestApi.Reply preflight = api.send("OPTIONS", "/api/v2/event-ops/metrics",
                Map.of("Origin", "https://dash.example", "Access-Control-Request-Method", "GET"));
        assertEquals(204, preflight.status());
        assertEquals("GET,POST,PUT,PATCH,DELETE,OPTIONS", preflight.header("Access-Control-Allow-Methods").orElseThrow());
        assertEquals("Content-Type,x-api-key,x-request-id", preflight.header("Access-Control-Allow-Headers").orElseThrow());
        assertEquals("86400", preflight.header("Access-Control-Max-Age").orElseThrow());
    }

    @Test
    void prometheusMetricsBehindTheKey() {
        api.get("/api/v2/event-ops/metrics");
        TestApi.Reply reply = api.get("/api/v2/metrics");
        assertEquals(200, reply.status());
        assertTrue(reply.header("content-type").orElseThrow().startsWith("text/plain"));
        assertTrue(reply.body().contains("omni_rollup_http_requests_total{route=\"/api/v2/event-ops/metrics\",method=\"GET\",status=\"2xx\"}"),
                reply.body());
        assertTrue(reply.body().contains("omni_rollup_http_request_duration_seconds_bucket{route=\"/api/v2/event-ops/metrics\",le=\"+Inf\"}"));
        assertFalse(reply.body().contains("/api/v2/nope"), "unknown paths share one label");
        assertEquals(401, api.get("/api/v2/event-ops/metrics", Map.of()).status());
        assertTrue(api.get("/api/v2/metrics").body().contains("omni_rollup_http_requests_total{route="
                + "\"/api/v2/event-ops/metrics\",method=\"GET\",status=\"4xx\"}"), "errors are counted with their status");
    }

    @Test
    void rateLimitPerKey() {
        try (TestApi limited = TestApi.start(scratch, false, InstantSource.fixed(NOW), Map.of("rate-limit", "3"),
                Optional.empty())) {
            long reset = Math.ceilDiv(NOW.toEpochMilli() + 60_000, 1000);
            for (int i = 1; i <= 3; i++) {
                TestApi.Reply ok = limited.get("/api/v2/dead-letters/stats");
                assertEquals(200, ok.status());
                assertEquals("3", ok.header("X-RateLimit-Limit").orElseThrow());
                assertEquals(Integer.toString(3 - i), ok.header("X-RateLimit-Remaining").orElseThrow());
                assertEquals(Long.toString(reset), ok.header("X-RateLimit-Reset").orElseThrow());
            }
            TestApi.Reply limitedReply = limited.get("/api/v2/dead-letters/stats");
            assertEquals(429, limitedReply.status());
            assertEquals("{\"error\":{\"code\":\"RATE_LIMITED\",\"message\":\"Too many requests. Please slow down.\","
                    + "\"details\":{\"retryAfterMs\":60000,\"limit\":3,\"windowMs\":60000}}}", limitedReply.body());
            assertEquals("0", limitedReply.header("X-RateLimit-Remaining").orElseThrow());
            // another key has its own window; public paths are not limited
            assertEquals(200, limited.get("/api/v2/dead-letters/stats", Map.of("x-api-key", ACTIVE)).status());
            assertEquals(200, limited.get("/api/v2/health", Map.of()).status());
        }
    }

    @Test
    void responseCachePerDistinctQuery() throws SQLException {
        try (TestApi cached = TestApi.start(scratch, false, InstantSource.fixed(NOW), Map.of("cache-ttl", "30s"),
                Optional.empty())) {
            api.server.api().refreshLiveCounts();
            long before = cached.get("/api/v2/dead-letters/stats").json().get("data").get("total").asLong();
            try (Connection c = scratch.connect(); Statement s = c.createStatement()) {
                s.executeUpdate("INSERT INTO dead_letter_events (event_id, event_type, subject, payload, error)"
                        + " VALUES ('x', 'message.sent', 'message.sent', '{}', 'boom')");
            }
            cached.server.api().refreshLiveCounts();
            api.server.api().refreshLiveCounts();
            assertEquals(before, cached.get("/api/v2/dead-letters/stats").json().get("data").get("total").asLong());
            assertEquals(before + 1, api.get("/api/v2/dead-letters/stats").json().get("data").get("total").asLong(),
                    "an API without the cache sees it after its refresh");
        }
    }

    @Test
    void concurrentRequests() throws Exception {
        List<String> paths = List.of("/api/v2/event-ops/metrics", "/api/v2/events/analytics?granularity=hourly",
                "/api/v2/dead-letters/stats", "/api/v2/automation-metrics", "/api/v2/dashboard", "/api/v2/health");
        try (var threads = Executors.newFixedThreadPool(8)) {
            List<Future<Integer>> results = new ArrayList<>();
            for (int i = 0; i < 240; i++) {
                String path = paths.get(i % paths.size());
                results.add(threads.submit(() -> api.get(path).status()));
            }
            for (var result : results) {
                assertEquals(200, result.get());
            }
        }
    }

    @Test
    void databaseDown() {
        ScratchDatabase other = TestApi.freshDatabase();
        TestApi down = TestApi.start(other, true, InstantSource.fixed(NOW), Map.of(), Optional.empty());
        try {
            down.database.close();
            TestApi.Reply metrics = down.get("/api/v2/event-ops/metrics");
            assertEquals(500, metrics.status());
            assertEquals("{\"error\":{\"code\":\"INTERNAL_ERROR\",\"message\":\"Internal server error\"}}", metrics.body());
            assertEquals(500, down.get("/api/v2/events/analytics?granularity=hourly").status());
            TestApi.Reply health = down.get("/api/v2/health", Map.of());
            assertEquals(503, health.status());
            JsonNode body = health.json();
            assertEquals("degraded", body.get("status").asText());
            assertEquals("error", body.get("checks").get("database").get("status").asText());
            assertTrue(body.get("checks").get("database").get("error").isTextual());
            // without the instances block (as upstream, whose instances query throws), not the cached counts
            assertEquals(List.of("status", "version", "uptime", "timestamp", "checks"), ParityTest.fieldNames(body),
                    health.body());
            assertEquals(503, down.send("HEAD", "/api/v2/health", Map.of()).status());
            // an Omni key cannot be checked without the database; the static key still works
            assertEquals(500, down.get("/api/v2/automation-metrics", Map.of("x-api-key", ACTIVE)).status());
        } finally {
            down.close();
        }
    }
}
