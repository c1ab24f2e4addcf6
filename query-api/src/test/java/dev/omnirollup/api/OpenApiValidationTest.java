package dev.omnirollup.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.omnirollup.sim.OmniEvent;
import dev.omnirollup.sim.ReferencePersistence;
import dev.omnirollup.sim.ScratchDatabase;
import dev.omnirollup.sim.TrafficGenerator;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.Test;

/** Every real response of every endpoint (successes and errors) validates against the served OpenAPI document. */
class OpenApiValidationTest {
    static final Instant NOW = Instant.parse("2026-02-12T15:37:00Z");
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void everyResponseMatchesTheDocument() throws Exception {
        ScratchDatabase scratch = TestApi.freshDatabase();
        var instances = TrafficGenerator.defaultInstances(5, 3);
        List<OmniEvent> events = new ArrayList<>(TrafficGenerator.generate(
                TrafficGenerator.Config.of(5, NOW, Duration.ofDays(3), 1_500, instances)));
        events.add(OmniEvent.automationQueue("q-now", NOW.toEpochMilli() - 10_000,
                OmniEvent.Meta.process("c", "t", "omni-api"), instances.get(0).id().toString(), 1, 2));
        try (Handle c = scratch.jdbi().open()) {
            ReferencePersistence reference = new ReferencePersistence(c, InstantSource.fixed(NOW));
            reference.ensureInstances(instances);
            reference.apply(events);
        }
        try (var database = TestApi.open(scratch, 1)) {
            TestApi.loadThroughIngest(database, events, NOW);
        }
        List<Exchange> exchanges = new ArrayList<>();
        OpenApiSchemas schemas = OpenApiSchemas.load();
        JsonNode document;
        try (TestApi api = TestApi.start(scratch, true, InstantSource.fixed(NOW), Map.of("rate-limit", "60"),
                Optional.empty())) {
            TestApi.Reply json = api.get("/api/v2/openapi.json", Map.of());
            document = JSON.readTree(json.body());
            JsonNode fromYaml = new ObjectMapper(new YAMLFactory()).readTree(api.get("/api/v2/openapi.yaml", Map.of()).body());
            assertEquals(document, fromYaml, "the JSON and YAML documents are the same");
            assertEquals("3.1.0", document.get("openapi").asText());
            assertEquals(QueryApi.version(), document.get("info").get("version").asText());

            String key = TestApi.STATIC_KEY;
            Map<String, String> auth = Map.of("x-api-key", key);
            for (String query : List.of("", "?granularity=hourly", "?granularity=daily&fill=zero",
                    "?allTime=true&granularity=hourly", "?instanceId=" + instances.get(0).id() + "&granularity=daily",
                    "?since=2026-02-11T00:00Z&until=2026-02-10T00:00Z", "?granularity=weekly&instanceId=x",
                    "?granularity=hourly&fill=zero&since=2020-01-01T00:00Z")) {
                exchanges.add(new Exchange("/api/v2/events/analytics", api.get("/api/v2/events/analytics" + query, auth)));
            }
            for (String path : List.of("/api/v2/event-ops/metrics", "/api/v2/dead-letters/stats",
                    "/api/v2/automation-metrics", "/api/v2/automations/automation-metrics", "/api/v2/dashboard",
                    "/api/v2/metrics")) {
                exchanges.add(new Exchange(path, api.get(path, auth)));
                exchanges.add(new Exchange(path, api.get(path, Map.of())));
                exchanges.add(new Exchange(path, api.get(path, Map.of("x-api-key", "omni_sk_nope"))));
            }
            exchanges.add(new Exchange("/api/v2/health", api.get("/api/v2/health", Map.of())));
            exchanges.add(new Exchange("/api/v2/openapi.json", json));
            exchanges.add(new Exchange("/api/v2/openapi.yaml", api.get("/api/v2/openapi.yaml", Map.of())));
            exchanges.add(new Exchange("#/components/responses/NotFound", api.get("/api/v2/nope", auth)));
            exchanges.add(new Exchange("/", api.get("/", Map.of())));
            exchanges.addAll(stream(api, schemas));
            TestApi.Reply limited;
            do {
                limited = api.get("/api/v2/dead-letters/stats", auth);
            } while (limited.status() == 200);
            exchanges.add(new Exchange("/api/v2/dead-letters/stats", limited));

            try (TestApi down = TestApi.start(scratch, false, InstantSource.fixed(NOW), Map.of(), Optional.empty())) {
                down.database.close();
                exchanges.add(new Exchange("/api/v2/health", down.get("/api/v2/health", Map.of())));
                exchanges.add(new Exchange("/api/v2/event-ops/metrics", down.get("/api/v2/event-ops/metrics", auth)));
            }
        }

        SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
        Set<String> statuses = new TreeSet<>();
        Set<String> okPaths = new TreeSet<>();
        for (Exchange exchange : exchanges) {
            JsonNode response = response(document, exchange);
            String contentType = exchange.contentType().split(";")[0].trim();
            JsonNode media = response.path("content").get(contentType);
            assertNotNull(media, exchange.path() + " " + exchange.status() + ": " + contentType + " is not documented");
            statuses.add(exchange.status() + "");
            if (exchange.status() == 200) {
                okPaths.add(exchange.path());
            }
            if (!contentType.equals("application/json")) {
                continue;
            }
            ObjectNode root = JSON.createObjectNode();
            root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
            root.set("components", document.get("components"));
            root.setAll((ObjectNode) media.get("schema"));
            Schema schema = registry.getSchema(SchemaLocation.of("urn:omni-rollup:openapi"), root);
            List<Error> errors = schema.validate(JSON.readTree(exchange.body()));
            assertTrue(errors.isEmpty(), exchange.path() + " " + exchange.status() + " " + errors + "\n"
                    + exchange.body());
        }
        assertEquals(Set.of("200", "400", "401", "404", "429", "500", "503"), statuses);

        // negative control: the validator does reject an extra field and a wrong type
        ObjectNode root = JSON.createObjectNode();
        root.set("components", document.get("components"));
        root.put("$ref", "#/components/schemas/EventMetricsEnvelope");
        Schema metrics = registry.getSchema(SchemaLocation.of("urn:omni-rollup:control"), root);
        ObjectNode good = (ObjectNode) JSON.readTree(exchanges.stream()
                .filter(e -> e.path().equals("/api/v2/event-ops/metrics") && e.status() == 200)
                .findFirst().orElseThrow().body());
        assertTrue(metrics.validate(good).isEmpty());
        ObjectNode extra = good.deepCopy();
        ((ObjectNode) extra.get("data")).put("extra", 1);
        assertTrue(!metrics.validate(extra).isEmpty());
        ObjectNode wrongType = good.deepCopy();
        ((ObjectNode) wrongType.get("data")).put("totalEvents", 1.5);
        assertTrue(!metrics.validate(wrongType).isEmpty());
        Set<String> documented = new TreeSet<>();
        document.get("paths").fieldNames().forEachRemaining(documented::add);
        assertEquals(documented, okPaths, "every documented endpoint answered 200 at least once");
    }

    record Exchange(String path, int status, String contentType, String body) {
        Exchange(String path, TestApi.Reply reply) {
            this(path, reply.status(), reply.header("content-type").orElseThrow(), reply.body());
        }
    }

    /**
     * The stream's answers: 200 (its ready and metrics frames validated against their frame schemas), 400, 401 and
     * the 429 of the per-key stream limit.
     */
    private static List<Exchange> stream(TestApi api, OpenApiSchemas schemas) {
        String path = "/api/v2/events/stream";
        URI uri = URI.create(api.server.localUri() + path);
        List<Exchange> out = new ArrayList<>();
        List<EventSourceClient> open = new ArrayList<>();
        try {
            EventSourceClient first = EventSourceClient.open(uri, Map.of("x-api-key", TestApi.STATIC_KEY));
            open.add(first);
            out.add(new Exchange(path, first.status, first.headers.get("content-type").get(0), ""));
            JsonNode frames = schemas.document().at("/paths/~1api~1v2~1events~1stream/get/responses/200/content/"
                    + "text~1event-stream/x-sse-frames");
            for (String event : List.of("ready", "metrics")) {
                EventSourceClient.Frame frame = first.expect(event, Duration.ofSeconds(15));
                String ref = frames.get(event).get("$ref").asText();
                schemas.assertValid(ref.substring(ref.lastIndexOf('/') + 1), frame.json());
            }
            for (String query : List.of("?eventTypes=bogus", "?instanceId=x")) {
                EventSourceClient bad = EventSourceClient.open(URI.create(uri + query), Map.of("x-api-key", TestApi.STATIC_KEY));
                out.add(new Exchange(path, bad.status, bad.headers.get("content-type").get(0), bad.errorBody()));
            }
            EventSourceClient anonymous = EventSourceClient.open(uri, Map.of());
            out.add(new Exchange(path, anonymous.status, anonymous.headers.get("content-type").get(0),
                    anonymous.errorBody()));
            EventSourceClient next;
            do {
                next = EventSourceClient.open(uri, Map.of("x-api-key", TestApi.STATIC_KEY));
                open.add(next);
            } while (next.status == 200 && open.size() < 50);
            out.add(new Exchange(path, next.status, next.headers.get("content-type").get(0), next.errorBody()));
            assertEquals(429, next.status);
            return out;
        } finally {
            open.forEach(EventSourceClient::close);
        }
    }

    private static JsonNode response(JsonNode document, Exchange exchange) {
        JsonNode response;
        if (exchange.path().startsWith("#")) {
            response = document.at(exchange.path().substring(1));
        } else {
            JsonNode operation = document.at("/paths/" + exchange.path().replace("~", "~0").replace("/", "~1") + "/get");
            assertTrue(operation.isObject(), exchange.path() + " is not documented");
            response = operation.path("responses").get(Integer.toString(exchange.status()));
            assertNotNull(response, exchange.path() + ": status " + exchange.status() + " is not documented");
        }
        if (response.has("$ref")) {
            response = document.at(response.get("$ref").asText().substring(1));
        }
        assertTrue(response.isObject(), exchange.path() + ": unresolved response");
        return response;
    }
}
