package dev.omnirollup.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.omnirollup.sim.Instance;
import dev.omnirollup.sim.OmniEvent;
import dev.omnirollup.sim.ReferencePersistence;
import dev.omnirollup.sim.ScratchDatabase;
import dev.omnirollup.sim.ScratchNats;
import dev.omnirollup.sim.TrafficGenerator;
import dev.omnirollup.store.Await;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.Test;

/**
 * Bad input on HTTP, against {@code omni-rollup serve} as a separate process: every query parameter of every GET
 * endpoint of the served OpenAPI document (plus unknown parameters and the key parameter) is fuzzed with wrong types,
 * malformed and extreme values, SQL-injection and traversal strings, huge values, repetitions and every way of
 * (mis)encoding them, and the static page is probed for path traversal. Each request is generated from
 * {@code seed + index} alone, so any failure is reproducible from the two numbers in its message.
 *
 * <p>The oracle: never a 5xx, never no answer, every answer within a generous bound; a 4xx that reaches the
 * application carries the documented {@code {"error":{"code","message"}}} body (400 {@code VALIDATION_ERROR} naming
 * the bad parameter); only requests malformed at the HTTP level (bad escapes, raw bytes, over-long targets) may be
 * refused earlier by the web server, with a 400/414/431 and the same envelope with code {@code HTTP_ERROR}; a request whose parameters are all valid gets a 200 whose
 * body has the endpoint's fields and, for all-time analytics, the true total.
 *
 * <p>CI: {@value #DEFAULT_REQUESTS} requests. Long: {@code -Dit.test=HttpFuzzIT -Dfuzz.requests=100000
 * -Dfuzz.seed=<n>}.
 */
class HttpFuzzIT {
    private static final int DEFAULT_REQUESTS = 4_000;
    private static final long SEED = Long.getLong("fuzz.seed", 20_261_125L);
    private static final int REQUESTS = Integer.getInteger("fuzz.requests", DEFAULT_REQUESTS);
    private static final Duration BOUND = Duration.ofMillis(Long.getLong("fuzz.bound-ms", 3_000));
    private static final int WORKERS = 4;
    private static final List<String> LEAKS = List.of("Exception", "\tat ", "Caused by", "org.postgresql", "PSQL",
            "java.lang", "io.helidon", "root:x:0:0", "<artifactId>", "BEGIN PRIVATE", "dev.omnirollup");
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'")
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter MINUTES = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm'Z'")
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter MILLIS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    /** What the oracle demands of one request's answer. */
    enum Expect {
        /** every parameter valid: 200 with a correct body */
        OK,
        /** a parameter is certainly invalid: 400 VALIDATION_ERROR naming it */
        INVALID,
        /** the value's validity is not modelled: 200 or a 400 naming only fuzzed parameters */
        EITHER,
        /** no or a wrong key on a protected path: 401 UNAUTHORIZED */
        UNAUTHORIZED
    }

    /** One generated request and what its answer must be. */
    record Case(long index, String endpoint, byte[] target, List<String> headers, Expect expect,
                Set<String> invalid, Set<String> fuzzed, boolean transport, boolean allTimeValid, String why) {
        String describe() {
            return "#" + index + " (seed " + SEED + ") GET " + RawHttp.printable(target) + " headers " + headers
                    + " expect " + expect + (invalid.isEmpty() ? "" : " invalid " + invalid)
                    + (transport ? " [http-level malformed]" : "") + " — " + why;
        }
    }

    private final Map<String, List<Param>> endpoints = new TreeMap<>();
    private final Map<String, Set<String>> okFields = new ConcurrentHashMap<>();
    private final Map<String, byte[]> assets = new LinkedHashMap<>();
    private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, LongAdder> byStatus = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> byEndpoint = new ConcurrentHashMap<>();
    private final LongAdder transportRejections = new LongAdder();
    private final List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
    private List<String> instanceIds;
    private long allTimeTotal;
    private String apiKey;
    private int port;

    /** A declared query parameter of an endpoint. */
    record Param(String name, String type, Optional<String> format, List<String> values) {
    }

    @Test
    void fuzzedParametersGetTheDocumentedErrorOrACorrectAnswerInBoundedTime() throws Exception {
        try (ScratchDatabase omni = ScratchDatabase.create().withOmniSchema(); ScratchNats nats = ScratchNats.connect()) {
            Instant end = Instant.now().truncatedTo(ChronoUnit.MINUTES);
            List<Instance> instances = TrafficGenerator.defaultInstances(6, 5);
            instanceIds = instances.stream().map(i -> i.id().toString()).toList();
            List<OmniEvent> history = TrafficGenerator.generate(TrafficGenerator.Config.of(77, end.minus(Duration
                    .ofMinutes(5)), Duration.ofDays(30), 4_000, instances));
            try (Handle c = omni.jdbi().open()) {
                ReferencePersistence reference = new ReferencePersistence(c);
                reference.ensureInstances(instances);
                reference.apply(history);
            }
            allTimeTotal = scalar(omni, "SELECT count(*) FROM omni_events");
            Map<String, String> settings = new LinkedHashMap<>();
            settings.put("OMNI_ROLLUP_DATABASE_URL", omni.jdbcUrl());
            Distribution.Result backfill = Distribution.run(Duration.ofMinutes(3), settings, "backfill");
            assertEquals(0, backfill.status(), backfill.text());

            apiKey = "omni_sk_" + randomAlnum(new Random(SEED), 32); // from the seed, like everything sent
            port = Distribution.freePort();
            settings.putAll(Distribution.natsSettings(nats));
            settings.put("OMNI_ROLLUP_HTTP_HOST", "127.0.0.1");
            settings.put("OMNI_ROLLUP_HTTP_PORT", Integer.toString(port));
            settings.put("OMNI_ROLLUP_API_KEY", apiKey);
            settings.put("OMNI_ROLLUP_RATE_LIMIT", "100000000");
            settings.put("OMNI_ROLLUP_SSE_MAX_STREAMS_PER_KEY", "10000");
            settings.put("OMNI_ROLLUP_SSE_HEARTBEAT", "1s");
            try (Distribution serve = Distribution.start(settings, "serve")) {
                serve.awaitLine(l -> l.contains("omni-rollup serve running"), Duration.ofSeconds(90));
                discover();
                ProcessGauges.Sample before = ProcessGauges.sample(serve.pid(), false);
                long started = System.nanoTime();

                List<Case> fixed = fixedCases();
                for (Case c : fixed) {
                    check(c);
                }
                ExecutorService workers = Executors.newFixedThreadPool(WORKERS);
                List<Future<?>> done = new ArrayList<>();
                for (int w = 0; w < WORKERS; w++) {
                    int worker = w;
                    done.add(workers.submit(() -> {
                        for (long i = worker; i < REQUESTS; i += WORKERS) {
                            check(generate(i));
                        }
                    }));
                }
                for (Future<?> f : done) {
                    f.get();
                }
                workers.shutdown();
                double seconds = (System.nanoTime() - started) / 1e9;
                ProcessGauges.Sample after = ProcessGauges.sample(serve.pid(), false);
                // the connections of clients that left (streams included) are all closed soon after
                AtomicReference<ProcessGauges.Sample> settled = new AtomicReference<>(after);
                try {
                    Await.until("serve's open descriptors are back to within 10 of the " + before.fds() + " before",
                            Duration.ofSeconds(30), Duration.ofMillis(500), () -> {
                                settled.set(ProcessGauges.sample(serve.pid(), false));
                                return settled.get().fds() <= before.fds() + 10;
                            });
                } catch (AssertionError e) {
                    failures.add(e.getMessage() + " (before: " + before.line() + "; last: " + settled.get().line()
                            + ")");
                }
                assertEquals(200, RawHttp.get(port, "/api/v2/health", List.of(), BOUND).status(), "still healthy");
                for (String line : serve.output()) {
                    if (line.startsWith("\tat ") || line.startsWith("Caused by: ")) {
                        failures.add("serve printed a stack trace: " + line);
                    }
                }

                List<Long> sorted = new ArrayList<>(latencies);
                Collections.sort(sorted);
                long total = fixed.size() + REQUESTS;
                System.out.printf(Locale.ROOT, "http fuzz: seed %d, %d requests (%d fixed + %d generated) over %d "
                                + "endpoints in %.1f s; statuses %s; %d refused by the web server before routing "
                                + "(malformed HTTP); latency p50 %.1f ms, p99 %.1f ms, max %.1f ms (bound %d ms); "
                                + "serve before %s, right after %s, settled %s; failures %d%n", SEED, total,
                        fixed.size(), REQUESTS, endpoints.size(), seconds, new TreeMap<>(byStatus),
                        transportRejections.sum(), percentile(sorted, 0.50), percentile(sorted, 0.99),
                        percentile(sorted, 1.0), BOUND.toMillis(), before.line(), after.line(), settled.get().line(),
                        failures.size());
                System.out.println("http fuzz: per endpoint " + new TreeMap<>(byEndpoint));
                if (!failures.isEmpty()) {
                    throw new AssertionError(failures.size() + " fuzz failures, first ones:\n"
                            + String.join("\n", failures.subList(0, Math.min(25, failures.size()))));
                }
            }
        }
    }

    // ---------------------------------------------------------------- discovery

    private void discover() throws Exception {
        RawHttp.Response doc = RawHttp.get(port, "/api/v2/openapi.json", List.of(), BOUND);
        assertEquals(200, doc.status());
        JsonNode openapi = ApiClient.JSON.readTree(doc.body());
        for (Iterator<Map.Entry<String, JsonNode>> paths = openapi.path("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            JsonNode get = path.getValue().path("get");
            if (get.isMissingNode()) {
                continue;
            }
            List<Param> params = new ArrayList<>();
            for (JsonNode p : get.path("parameters")) {
                JsonNode param = p.has("$ref") ? resolve(openapi, p.path("$ref").asText()) : p;
                if (!param.path("in").asText().equals("query")) {
                    continue;
                }
                JsonNode schema = param.path("schema");
                List<String> values = new ArrayList<>();
                schema.path("enum").forEach(v -> values.add(v.asText()));
                params.add(new Param(param.path("name").asText(), schema.path("type").asText("string"),
                        Optional.ofNullable(schema.path("format").textValue()), values));
            }
            endpoints.put(path.getKey(), params);
        }
        assertTrue(endpoints.containsKey("/api/v2/events/analytics") && endpoints.size() >= 10,
                "the OpenAPI document lists the endpoints: " + endpoints.keySet());
        for (String asset : List.of("/", "/assets/app.js", "/assets/app.css", "/assets/favicon.svg")) {
            RawHttp.Response response = RawHttp.get(port, asset, List.of(), BOUND);
            assertEquals(200, response.status(), asset);
            assets.put(asset, response.body());
        }
        // the fields of a correct answer, per endpoint (and per analytics shape)
        for (String endpoint : endpoints.keySet()) {
            if (!isJsonEndpoint(endpoint)) {
                continue;
            }
            RawHttp.Response ok = RawHttp.get(port, endpoint, List.of("x-api-key: " + apiKey), BOUND);
            assertEquals(200, ok.status(), endpoint + ": " + ok.text());
            okFields.put(endpoint, fieldNames(ApiClient.JSON.readTree(ok.body())));
        }
        RawHttp.Response timeline = RawHttp.get(port, "/api/v2/events/analytics?granularity=hourly",
                List.of("x-api-key: " + apiKey), BOUND);
        okFields.put("/api/v2/events/analytics+timeline", fieldNames(ApiClient.JSON.readTree(timeline.body())));
        RawHttp.Response all = RawHttp.get(port, "/api/v2/events/analytics?allTime=true",
                List.of("x-api-key: " + apiKey), BOUND);
        assertEquals(allTimeTotal, ApiClient.JSON.readTree(all.body()).path("totalMessages").asLong(),
                "backfill counted every row");
    }

    private static JsonNode resolve(JsonNode openapi, String ref) {
        JsonNode node = openapi;
        for (String part : ref.substring(2).split("/")) {
            node = node.path(part);
        }
        return node;
    }

    private static boolean isJsonEndpoint(String endpoint) {
        return endpoint.startsWith("/api/v2/") && !endpoint.equals("/api/v2/events/stream")
                && !endpoint.equals("/api/v2/metrics") && !endpoint.equals("/api/v2/openapi.yaml");
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new LinkedHashSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    // ---------------------------------------------------------------- fixed cases

    private List<Case> fixedCases() {
        List<Case> cases = new ArrayList<>();
        String analytics = "/api/v2/events/analytics";
        // unbounded work must be refused with a clear message, or bounded
        cases.add(keyed(-1, analytics, "?since=0001-01-01T00:00:00Z&granularity=hourly&fill=zero", Expect.INVALID,
                Set.of("fill"), "fill=zero over 2025 years of hours"));
        cases.add(keyed(-2, analytics, "?since=0001-01-01T00:00:00Z&until=9999-12-31T23:59:59Z&granularity=daily"
                + "&fill=zero", Expect.INVALID, Set.of("fill"), "fill=zero over 9999 years of days"));
        cases.add(keyed(-3, analytics, "?since=0001-01-01T00:00:00Z&granularity=hourly", Expect.OK, Set.of(),
                "a sparse hourly timeline since year 1"));
        cases.add(keyed(-4, analytics, "?since=0001-01-01T00:00:00Z&until=9999-12-31T23:59:59.999Z&granularity=daily",
                Expect.OK, Set.of(), "a sparse daily timeline over every representable year"));
        cases.add(keyed(-5, analytics, "?allTime=true&granularity=hourly&fill=zero", Expect.OK, Set.of(),
                "all time, hourly, filled (30 days of history)"));
        cases.add(keyed(-6, analytics, "?since=9999-12-31T23:59:59Z&granularity=hourly&fill=zero", Expect.OK,
                Set.of(), "a window that starts after it ends"));
        cases.add(keyed(-7, analytics, "?until=0001-01-01T00:00:00Z&granularity=hourly&fill=zero", Expect.OK,
                Set.of(), "until before the default since"));
        cases.add(keyed(-8, analytics, "?" + "granularity=hourly&".repeat(150), Expect.INVALID, Set.of("granularity"),
                "one parameter 150 times"));
        StringBuilder many = new StringBuilder("?");
        for (int i = 0; i < 400; i++) {
            many.append("p").append(i).append("=1&");
        }
        cases.add(keyed(-9, analytics, many.toString(), Expect.OK, Set.of(), "400 unknown parameters"));
        cases.add(keyed(-10, analytics, "?since=" + "9".repeat(3_000), Expect.INVALID, Set.of("since"),
                "a 3000-digit since"));
        cases.add(new Case(-11, analytics, (analytics + "?since=" + "a".repeat(20_000)).getBytes(StandardCharsets.US_ASCII),
                List.of("x-api-key: " + apiKey), Expect.EITHER, Set.of(), Set.of("since"), true, false,
                "a 20 kB request target"));
        // traversal on the static files
        List<String> traversal = List.of("/..%2f..%2fetc/passwd", "/%2e%2e/", "/%2e%2e/%2e%2e/etc/passwd",
                "/../../etc/passwd", "/assets/../../../../etc/passwd", "/assets/..%2f..%2f..%2fetc%2fpasswd",
                "/assets/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/assets/%252e%252e/%252e%252e/etc/passwd",
                "/assets/..%5c..%5c..%5cetc%5cpasswd", "/assets/..\\..\\..\\etc\\passwd",
                "/assets/app.js/../../../etc/passwd", "/assets/app.js%00.html", "/assets/app.js%2500",
                "/web/index.html", "/index.html", "/assets/", "/assets", "/assets/../pom.xml",
                "/assets/..%2f..%2f..%2fpom.xml", "/dev/omnirollup/api/ApiKeyFilter.class", "/META-INF/MANIFEST.MF",
                "/assets/../META-INF/MANIFEST.MF", "/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
                "/assets/%c0%ae%c0%ae%c0%af%c0%ae%c0%ae%c0%afetc/passwd", "//etc/passwd", "/./assets/app.js",
                "/assets/./app.js", "/assets//app.js", "/assets/app.js?../../etc/passwd", "/assets/app.js;/../../x",
                "/assets/APP.JS", "/assets/app.js.map", "/assets/app.js~", "/assets/.%2e/.%2e/etc/passwd",
                "/%252e%252e%252fetc%252fpasswd", "/..;/..;/etc/passwd", "/assets/%00", "/%2fetc%2fpasswd",
                "/api/v2/../../etc/passwd", "/api/v2/openapi.json/../../../etc/passwd", "/file:/etc/passwd",
                "/C:%5cWindows%5cwin.ini", "/.git/config", "/.env", "/WEB-INF/web.xml", "/proc/self/environ",
                "/api/v2/..%2f..%2f..%2fetc%2fpasswd");
        for (int i = 0; i < traversal.size(); i++) {
            cases.add(new Case(-100 - i, "static", traversal.get(i).getBytes(StandardCharsets.ISO_8859_1), List.of(),
                    Expect.EITHER, Set.of(), Set.of(), true, false, "static file traversal"));
        }
        return cases;
    }

    private Case keyed(long index, String endpoint, String query, Expect expect, Set<String> invalid, String why) {
        return new Case(index, endpoint, (endpoint + query).getBytes(StandardCharsets.US_ASCII),
                List.of("x-api-key: " + apiKey), expect, invalid, invalid, false,
                query.contains("allTime=true"), why);
    }

    // ---------------------------------------------------------------- generation

    /** A value and what the generator knows about it. */
    private record Value(String text, Validity validity) {
    }

    private enum Validity { VALID, INVALID, UNKNOWN, EXTREME }

    private Case generate(long index) {
        Random r = new Random(SEED * 1_000_003L + index);
        // the endpoints with parameters of their own get most of the requests
        List<String> names = new ArrayList<>(endpoints.keySet());
        int roll = r.nextInt(100);
        String endpoint = roll < 40 ? "/api/v2/events/analytics" : roll < 55 ? "/api/v2/events/stream"
                : names.get(r.nextInt(names.size()));
        List<Param> declared = endpoints.get(endpoint);
        Map<String, Param> byName = new LinkedHashMap<>();
        declared.forEach(p -> byName.put(p.name(), p));

        List<String[]> pairs = new ArrayList<>(); // raw name, raw (encoded) value
        Set<String> invalid = new LinkedHashSet<>();
        Set<String> fuzzed = new LinkedHashSet<>();
        boolean unknownValidity = false;
        boolean transport = false;
        boolean allTimeValid = false;
        boolean extreme = false;
        List<String> why = new ArrayList<>();
        Map<String, Value> chosen = new LinkedHashMap<>();
        for (Param param : declared) {
            if (r.nextInt(100) < 55) {
                Value value = value(r, param);
                chosen.put(param.name(), value);
            }
        }
        // the model of cross-parameter rules: fill=zero needs a granularity; all-time ignores the window
        Value fill = chosen.get("fill");
        if (fill != null && fill.validity() == Validity.VALID && !chosen.containsKey("granularity")) {
            chosen.put("fill", new Value(fill.text(), Validity.INVALID));
        }
        for (Map.Entry<String, Value> entry : chosen.entrySet()) {
            String name = entry.getKey();
            Value value = entry.getValue();
            fuzzed.add(name);
            int repeat = r.nextInt(100) < 6 ? 2 + r.nextInt(30) : 1;
            Encoded encoded = encode(r, value.text());
            Validity validity = encoded.preserves() ? value.validity() : Validity.UNKNOWN;
            if (repeat > 1) {
                validity = Validity.INVALID;
                why.add(name + " x" + repeat);
            }
            switch (validity) {
                case INVALID -> invalid.add(name);
                case UNKNOWN -> unknownValidity = true;
                case EXTREME -> extreme = true;
                case VALID -> { }
            }
            if (name.equals("allTime") && validity == Validity.VALID && (value.text().equals("true")
                    || value.text().equals("1")) && !chosen.containsKey("instanceId")) {
                allTimeValid = true; // all time over every instance: the known total
            }
            transport |= encoded.transport();
            String encodedName = r.nextInt(100) < 5 ? encodeAll(name) : name;
            for (int k = 0; k < repeat; k++) {
                Encoded again = k == 0 ? encoded : encode(r, value(r, byName.get(name)).text());
                transport |= again.transport();
                pairs.add(new String[] {encodedName, again.text()});
            }
        }
        // unknown parameters: names outside the endpoint's, with any value; always ignored
        int unknown = r.nextInt(100) < 35 ? 1 + r.nextInt(4) : 0;
        for (int k = 0; k < unknown; k++) {
            String name = unknownName(r, byName.keySet());
            Encoded encoded = encode(r, garbage(r));
            transport |= encoded.transport();
            pairs.add(new String[] {name, encoded.text()});
        }
        Collections.shuffle(pairs, r);
        StringBuilder query = new StringBuilder();
        for (String[] pair : pairs) {
            query.append(query.isEmpty() ? "" : "&").append(pair[0]).append('=').append(pair[1]);
        }
        if (r.nextInt(100) < 8) {
            query.append(List.of("&", "&&", "&=", "&=x", "&&&=&&").get(r.nextInt(5)));
        }

        // the key: mostly the header; sometimes api_key, none or a wrong one
        List<String> headers = new ArrayList<>();
        boolean protectedPath = isProtected(endpoint);
        int keyChoice = r.nextInt(100);
        boolean authorized = true;
        if (keyChoice < 80) {
            headers.add("x-api-key: " + apiKey);
        } else if (keyChoice < 88) {
            query.append(query.isEmpty() ? "" : "&").append("api_key=").append(apiKey);
        } else if (keyChoice < 94) {
            authorized = false;
            why.add("no key");
        } else {
            headers.add("x-api-key: " + List.of("omni_sk_" + randomAlnum(r, 32), "sk_" + randomAlnum(r, 32),
                    apiKey.toUpperCase(Locale.ROOT), apiKey + "x", apiKey.substring(0, 20), " ").get(r.nextInt(6)));
            authorized = false;
            why.add("wrong key");
        }
        if (endpoint.equals("/api/v2/events/stream") && r.nextInt(100) < 30) {
            headers.add("Last-Event-ID: " + List.of("0", "-1", "abc-1", "x".repeat(500), "' OR 1=1 --",
                    "99999999999999999999999").get(r.nextInt(6)));
        }
        if (r.nextInt(100) < 5) {
            headers.add("x-request-id: " + List.of("x".repeat(300), "<script>", "a b", "'; DROP TABLE x;--")
                    .get(r.nextInt(4)));
        }

        byte[] target = (endpoint + (query.isEmpty() ? "" : "?" + query)).getBytes(StandardCharsets.ISO_8859_1);
        if (r.nextInt(1000) < 15) { // HTTP-level malformation: a raw byte or a broken escape
            target = malform(r, target);
            transport = true;
            why.add("malformed");
        }
        if (target.length > 3_500) {
            transport = true; // may exceed the web server's request-line limit
        }

        Expect expect;
        if (protectedPath && !authorized) {
            expect = Expect.UNAUTHORIZED;
        } else if (!invalid.isEmpty()) {
            expect = Expect.INVALID;
        } else if (unknownValidity || extreme) {
            expect = Expect.EITHER;
        } else {
            expect = Expect.OK;
        }
        return new Case(index, endpoint, target, headers, expect, invalid, fuzzed, transport, allTimeValid,
                String.join(", ", why));
    }

    private boolean isProtected(String endpoint) {
        return endpoint.startsWith("/api/v2") && !endpoint.equals("/api/v2/health")
                && !endpoint.equals("/api/v2/openapi.json") && !endpoint.equals("/api/v2/openapi.yaml");
    }

    private Value value(Random r, Param param) {
        int roll = r.nextInt(100);
        if (roll < 12) {
            return new Value(garbage(r), Validity.UNKNOWN);
        }
        String name = param.name();
        boolean valid = roll < 60;
        if (param.format().filter(f -> f.equals("date-time")).isPresent()) {
            return valid ? validDateTime(r) : new Value(pick(r, BAD_DATE_TIMES), Validity.INVALID);
        }
        if (param.format().filter(f -> f.equals("uuid")).isPresent()) {
            if (valid) {
                String id = r.nextBoolean() ? instanceIds.get(r.nextInt(instanceIds.size()))
                        : new UUID(r.nextLong(), r.nextLong()).toString();
                return new Value(r.nextInt(4) == 0 ? id.toUpperCase(Locale.ROOT) : id, Validity.VALID);
            }
            String id = instanceIds.get(r.nextInt(instanceIds.size()));
            return new Value(pick(r, List.of("abc", "", " ", id.replace("-", ""), "{" + id + "}", "urn:uuid:" + id,
                    id.substring(1), id + "0", id.replace('a', 'g').replace('0', 'z') + "g", id + " ", " " + id,
                    "00000000-0000-0000-0000-00000000000", "' OR '1'='1", id + "' OR '1'='1", "１" + id.substring(1),
                    "null", "0", "-1")), Validity.INVALID);
        }
        if (!param.values().isEmpty()) {
            if (valid) {
                return new Value(pick(r, param.values()), Validity.VALID);
            }
            String v = pick(r, param.values());
            String variant = pick(r, List.of(v.toUpperCase(Locale.ROOT), " " + v, v + " ", v + v, "", "weekly",
                    "yes", "no", "TRUE", "False", "2", "-1", "1.0", "on", "off", "null", "undefined", "[]", "{}",
                    v.isEmpty() ? "x" : v.substring(0, Math.max(1, v.length() - 1)), "һourly", "zer0"));
            return new Value(variant, param.values().contains(variant) ? Validity.VALID : Validity.INVALID);
        }
        if (name.equals("eventTypes")) {
            List<String> types = List.of("message.received", "message.sent", "message.delivered", "message.read",
                    "message.failed", "instance.connected", "instance.disconnected");
            if (valid) {
                List<String> subset = new ArrayList<>(types);
                Collections.shuffle(subset, r);
                return new Value(String.join(r.nextBoolean() ? "," : ", ", subset.subList(0, 1 + r.nextInt(types
                        .size()))), Validity.VALID);
            }
            return new Value(pick(r, List.of("", ",", "message.received,", ",message.sent", "message.received,,message"
                    + ".sent", "message.*", "message", "MESSAGE.RECEIVED", "automation.executed", "message.received;"
                    + "message.sent", "' OR 1=1 --")), Validity.INVALID);
        }
        if (name.equals("lastEventId")) {
            return new Value(pick(r, List.of("0", "abc-12", "x".repeat(200), "-1", "", "' OR 1=1 --")), Validity.VALID);
        }
        return new Value(garbage(r), Validity.UNKNOWN);
    }

    private static final List<String> BAD_DATE_TIMES = List.of("2026-02-09", "2026-02-09T10:00:00",
            "2026-02-09T10:00:00+00:00", "2026-02-09T10:00:00z", "2026-02-30T00:00:00Z", "2025-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z", "2026-02-09T24:00:00Z", "2026-02-09T10:60:00Z",
            "2026-02-09T10:00:60Z", "20260209T100000Z", "2026-02-09 10:00:00Z", "1e9", "-1", "0", "now", "today", "",
            " ", "null", "true", "2026-02-09T10:00:00.Z", "+2026-02-09T10:00:00Z", "12026-02-09T10:00:00Z",
            "2026-02-09T10:00:00ZZ", "2026-02-09T10:00:00Z ", " 2026-02-09T10:00:00Z", "２０２６-02-09T10:00:00Z",
            "2026-2-9T10:00:00Z", "2026-02-09T1:00:00Z", "2026-02-09T10Z", "1770631200000", "1770631200",
            "2026-02-09T10:00:00.123+01:00", "Mon, 09 Feb 2026 10:00:00 GMT", "2026-W07-1T10:00:00Z",
            "2026-040T10:00:00Z", "-0001-01-01T00:00:00Z", "2026-02-09T10:00:00.1234567890123456789012345Z'",
            "2026-02-09T10:00:00Z' OR '1'='1", "1; DROP TABLE rollup.msg_total;--", "../../etc/passwd");

    private static Value validDateTime(Random r) {
        int roll = r.nextInt(100);
        if (roll < 8) {
            return new Value(pick(r, List.of("0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z", "0000-01-01T00:00Z",
                    "0000-02-29T00:00:00Z", "2024-02-29T00:00:00Z", "1970-01-01T00:00:00Z",
                    "2026-02-09T10:00:00.123456789123456789123Z")), Validity.EXTREME);
        }
        Instant at = Instant.now().minus(Duration.ofSeconds(r.nextLong(40L * 86_400)));
        String text = switch (r.nextInt(4)) {
            case 0 -> SECONDS.format(at);
            case 1 -> MINUTES.format(at);
            case 2 -> MILLIS.format(at);
            default -> SECONDS.format(at).replace("Z", "." + "123456789".substring(0, 1 + r.nextInt(9)) + "Z");
        };
        return new Value(text, Validity.VALID);
    }

    private static final List<String> GARBAGE = List.of("' OR '1'='1", "1; DROP TABLE rollup.msg_total;--",
            "\" OR 1=1 --", "'; SELECT pg_sleep(10);--", "1' AND (SELECT 1 FROM pg_sleep(5))--",
            "$$; DROP SCHEMA rollup CASCADE; $$", "x' UNION SELECT key_hash FROM api_keys--", "%27%20OR%201%3D1",
            "../../etc/passwd", "..%2f..%2fetc%2fpasswd", "<script>alert(1)</script>", "%s%s%s%n", "${jndi:ldap://x/a}",
            "{{7*7}}", "\u0000", "a\r\nSet-Cookie: x=1", "😀😀😀", "\u202eevil", "e\u0301\u0301\u0301", "\ufeffbom",
            "1e309", "-0", "NaN", "Infinity", "9999999999999999999999999999", "-9223372036854775809", "0x7fffffff",
            "true", "[]", "{}", "{\"$gt\":\"\"}", "null", "undefined", "", " ", "\t", "a,b,c", "\\", "'", "\"", "`",
            "%", "%%", "+", "&", "=", "#", "?", ";", "/", "\\u0000", "ʼ OR 1=1", "＇ OR 1=1");

    private static String garbage(Random r) {
        int roll = r.nextInt(100);
        if (roll < 8) {
            return "a".repeat(1_000 + r.nextInt(2_000));
        }
        if (roll < 12) {
            StringBuilder random = new StringBuilder();
            int n = 1 + r.nextInt(40);
            for (int i = 0; i < n; i++) {
                random.appendCodePoint(r.nextInt(3) == 0 ? 0x20 + r.nextInt(0x5f) : 1 + r.nextInt(0x2fff));
            }
            return random.toString();
        }
        return pick(r, GARBAGE);
    }

    private static String unknownName(Random r, Set<String> declared) {
        String name = pick(r, List.of("foo", "since[]", "granularity[]", "Since", "ALLTIME", "instanceid", "fill ",
                "allTime%00", "limit", "offset", "order", "sort", "callback", "__proto__", "constructor", "x-api-key",
                "$where", "api_key2", "%61llTime2", "eventtypes", "last_event_id", ""));
        name = declared.contains(name) ? name + "_x" : name;
        return name.contains("%") ? name : strict(name);
    }

    /** An encoded value, whether decoding gives the value back, and whether it is malformed at the HTTP level. */
    private record Encoded(String text, boolean preserves, boolean transport) {
    }

    private static Encoded encode(Random r, String value) {
        int roll = r.nextInt(100);
        if (roll < 60) {
            return new Encoded(strict(value), true, false);
        }
        if (roll < 70) {
            return new Encoded(encodeAll(value), true, false);
        }
        if (roll < 78) {
            return new Encoded(strict(value).replace("%2F", "%2f").replace("%3A", "%3a"), true, false);
        }
        if (roll < 84) { // double encoding: decodes to the text "%xx", which is a different value
            return new Encoded(strict(strict(value)), value.equals(strict(value)), false);
        }
        if (roll < 90) { // spaces as '+' (form encoding)
            return new Encoded(strict(value).replace("%20", "+"), !value.contains(" ") && !value.contains("+"), false);
        }
        if (roll < 95) { // invalid UTF-8 and overlong sequences, as valid escapes
            return new Encoded(strict(value) + pick(r, List.of("%ff", "%fe%ff", "%c0%ae", "%ed%a0%80", "%e2%82",
                    "%f4%90%80%80")), false, false);
        }
        // only what must be escaped to keep the request line parseable: quotes, brackets and the like stay raw
        StringBuilder minimal = new StringBuilder();
        boolean odd = false;
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c <= 0x20 || c >= 0x7f || c == '%' || c == '&' || c == '#' || c == '+' || c == '=') {
                minimal.append(String.format("%%%02X", c));
            } else {
                odd |= "\"<>\\^`{|}[]".indexOf(c) >= 0;
                minimal.append((char) c);
            }
        }
        return new Encoded(minimal.toString(), true, odd);
    }

    private static String strict(String value) {
        StringBuilder out = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                    || c == '_' || c == '~' || c == ':') {
                out.append((char) c);
            } else {
                out.append(String.format("%%%02X", c));
            }
        }
        return out.toString();
    }

    private static String encodeAll(String value) {
        StringBuilder out = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            out.append(String.format("%%%02x", b & 0xff));
        }
        return out.toString();
    }

    private static byte[] malform(Random r, byte[] target) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int at = target.length <= 1 ? target.length : 1 + r.nextInt(target.length - 1);
        out.write(target, 0, at);
        byte[] insert = switch (r.nextInt(6)) {
            case 0 -> new byte[] {(byte) 0xff, (byte) 0xfe};
            case 1 -> new byte[] {(byte) 0xc3, (byte) 0xa9};
            case 2 -> "%zz".getBytes(StandardCharsets.US_ASCII);
            case 3 -> "%4".getBytes(StandardCharsets.US_ASCII);
            case 4 -> new byte[] {0x01};
            default -> new byte[] {0x7f};
        };
        out.writeBytes(insert);
        out.write(target, at, target.length - at);
        return out.toByteArray();
    }

    private static String randomAlnum(Random r, int n) {
        String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        StringBuilder out = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            out.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return out.toString();
    }

    private static <T> T pick(Random r, List<T> values) {
        return values.get(r.nextInt(values.size()));
    }

    // ---------------------------------------------------------------- the oracle

    private void check(Case c) {
        RawHttp.Response response;
        try {
            response = RawHttp.send(port, "GET", c.target(), c.headers(), BOUND.plusSeconds(30));
        } catch (AssertionError e) {
            failures.add("no answer: " + e.getMessage() + " — " + c.describe());
            return;
        }
        latencies.add(response.nanos());
        byStatus.computeIfAbsent(Integer.toString(response.status()), k -> new LongAdder()).increment();
        byEndpoint.computeIfAbsent(c.endpoint(), k -> new LongAdder()).increment();
        List<String> problems = new ArrayList<>();
        if (response.nanos() > BOUND.toNanos()) {
            problems.add(String.format(Locale.ROOT, "took %.0f ms, more than the bound", response.millis()));
        }
        int status = response.status();
        String body = response.text();
        if (status < 200 || status >= 500) {
            problems.add("status " + status);
        }
        for (String leak : LEAKS) {
            if (body.contains(leak) && !c.endpoint().startsWith("/api/v2/openapi") && !isAsset(body)) {
                problems.add("the body shows '" + leak.trim() + "'");
            }
        }
        // refused by the web server before routing (malformed as HTTP): the JSON envelope with code HTTP_ERROR
        boolean earlyReject = status >= 400 && status < 500 && isTransportError(body);
        if (earlyReject) {
            transportRejections.increment();
            if (!c.transport()) {
                problems.add("an HTTP-level " + status + " for a request that is well-formed HTTP");
            } else if (status != 400 && status != 414 && status != 431) {
                problems.add("HTTP-level rejection with " + status);
            }
        } else if (status >= 400 && status < 500) {
            checkErrorBody(c, status, body, problems);
        }
        if (status < 500) {
            if (!earlyReject && !c.endpoint().equals("static") && response.header("x-request-id").isEmpty()) {
                problems.add("no x-request-id");
            }
            if (!response.header("x-content-type-options").orElse("").equals("nosniff")) {
                problems.add("no X-Content-Type-Options: nosniff");
            }
        }
        if (c.endpoint().equals("static")) {
            if (status == 200 && !isAsset(body)) {
                problems.add("a traversal path answered 200 with something other than a page asset");
            }
            if (status != 200 && status != 400 && status != 401 && status != 404 && status != 414) {
                problems.add("a traversal path answered " + status);
            }
        } else if (c.transport()) {
            // malformed as HTTP: a splice may have changed what the request means; a 200 must still be sound
            if (status == 200) {
                checkOk(new Case(c.index(), c.endpoint(), c.target(), c.headers(), Expect.EITHER, c.invalid(),
                        c.fuzzed(), true, false, c.why()), response, problems);
            }
        } else {
            switch (c.expect()) {
                case OK -> {
                    if (status != 200) {
                        problems.add("expected 200");
                    }
                }
                case INVALID -> {
                    if (status != 400) {
                        problems.add("expected 400 VALIDATION_ERROR");
                    }
                }
                case UNAUTHORIZED -> {
                    if (status != 401) {
                        problems.add("expected 401");
                    }
                }
                case EITHER -> {
                    if (status != 200 && status != 400) {
                        problems.add("expected 200 or 400");
                    }
                }
            }
            if (status == 200) {
                checkOk(c, response, problems);
            }
        }
        if (!problems.isEmpty()) {
            failures.add(problems + " " + status + " " + (body.length() > 300 ? body.substring(0, 300) + "…" : body)
                    + " — " + c.describe());
        }
    }

    private boolean isAsset(String body) {
        for (byte[] asset : assets.values()) {
            if (Arrays.equals(asset, body.getBytes(StandardCharsets.UTF_8))) {
                return true;
            }
        }
        return false;
    }

    private static boolean isTransportError(String body) {
        try {
            JsonNode error = ApiClient.JSON.readTree(body).path("error");
            return error.path("code").asText().equals("HTTP_ERROR") && !error.path("message").asText().isBlank();
        } catch (Exception e) {
            return false;
        }
    }

    private void checkErrorBody(Case c, int status, String body, List<String> problems) {
        JsonNode error;
        try {
            error = ApiClient.JSON.readTree(body).path("error");
        } catch (Exception e) {
            problems.add("a " + status + " body that is not JSON");
            return;
        }
        String code = error.path("code").asText();
        String expected = switch (status) {
            case 400 -> "VALIDATION_ERROR";
            case 401 -> "UNAUTHORIZED";
            case 404 -> "NOT_FOUND";
            case 429 -> "RATE_LIMITED";
            default -> "?";
        };
        if (!code.equals(expected) || error.path("message").asText().isBlank()) {
            problems.add("error body " + body + " instead of code " + expected + " with a message");
        }
        if (status == 400 && !c.transport()) {
            Set<String> named = fieldNames(error.path("details").path("fields"));
            if (named.isEmpty()) {
                problems.add("a 400 that names no parameter");
            }
            for (String name : named) {
                if (!c.fuzzed().contains(name)) {
                    problems.add("a 400 naming '" + name + "', which was not fuzzed");
                }
                error.path("details").path("fields").path(name).forEach(m -> {
                    if (m.asText().isBlank()) {
                        problems.add("an empty message for " + name);
                    }
                });
            }
            if (c.expect() == Expect.INVALID && !named.containsAll(c.invalid())) {
                problems.add("the 400 does not name every invalid parameter " + c.invalid());
            }
        }
    }

    private void checkOk(Case c, RawHttp.Response response, List<String> problems) {
        String type = response.header("content-type").orElse("");
        String endpoint = c.endpoint();
        if (endpoint.equals("/api/v2/events/stream")) {
            if (!type.startsWith("text/event-stream")) {
                problems.add("the stream answered " + type);
            }
            return;
        }
        if (endpoint.equals("/") || endpoint.startsWith("/assets/")) {
            if (!isAsset(response.text())) {
                problems.add("the page asset changed");
            }
            return;
        }
        if (!isJsonEndpoint(endpoint)) {
            return;
        }
        JsonNode body;
        try {
            body = ApiClient.JSON.readTree(response.body());
        } catch (Exception e) {
            problems.add("a 200 that is not JSON");
            return;
        }
        Set<String> fields = fieldNames(body);
        Set<String> expected = okFields.get(endpoint);
        if (endpoint.equals("/api/v2/events/analytics") && fields.contains("timeline")) {
            expected = okFields.get("/api/v2/events/analytics+timeline");
        }
        if (!fields.equals(expected)) {
            problems.add("fields " + fields + " instead of " + expected);
        }
        if (endpoint.equals("/api/v2/events/analytics")) {
            long total = body.path("totalMessages").asLong(-1);
            double rate = body.path("successRate").asDouble(-1);
            if (total < 0 || rate < 0 || rate > 100 || body.path("successfulMessages").asLong()
                    + body.path("failedMessages").asLong() > total) {
                problems.add("inconsistent analytics");
            }
            if (c.allTimeValid() && c.expect() == Expect.OK && total != allTimeTotal) {
                problems.add("all-time total " + total + " instead of " + allTimeTotal);
            }
        }
    }

    private static double percentile(List<Long> sorted, double q) {
        if (sorted.isEmpty()) {
            return 0;
        }
        int i = (int) Math.min(sorted.size() - 1, Math.ceil(q * sorted.size()) - 1);
        return sorted.get(Math.max(0, i)) / 1e6;
    }

    private static long scalar(ScratchDatabase omni, String sql) throws Exception {
        try (Connection c = omni.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
