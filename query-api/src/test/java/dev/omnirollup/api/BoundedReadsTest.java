package dev.omnirollup.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.omnirollup.sim.Instance;
import dev.omnirollup.sim.OmniEvent;
import dev.omnirollup.sim.ReferencePersistence;
import dev.omnirollup.sim.ScratchDatabase;
import dev.omnirollup.sim.TrafficGenerator;
import dev.omnirollup.store.RollupDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The rollup rows every endpoint reads do not change when the raw history grows tenfold (older events, same
 * instances): counted with {@code EXPLAIN (ANALYZE)} of every statement the API runs ({@link ReadCounter}).
 * {@code allTime} with a granularity is left out on purpose: it returns every non-empty bucket of all time, as
 * upstream does, so its reads grow with the answer (one row per non-empty bucket, not per event).
 */
class BoundedReadsTest {
    static final Instant NOW = Instant.parse("2026-02-12T15:37:00Z");

    @Test
    void readsDoNotGrowWithHistory() throws SQLException {
        ReadCounter.register();
        List<Instance> instances = TrafficGenerator.defaultInstances(6, 9);
        List<OmniEvent> recent = TrafficGenerator.generate(TrafficGenerator.Config.of(21, NOW, Duration.ofDays(10),
                4_000, instances));
        // ten times the events, older, with the same keys (channels, content types, error stages): realistic
        // cardinality stays what it is, only the raw history grows
        Set<String> keys = new HashSet<>();
        recent.forEach(e -> keys.addAll(keysOf(e)));
        List<OmniEvent> older = TrafficGenerator.generate(new TrafficGenerator.Config(22,
                NOW.minus(Duration.ofDays(100)), NOW.minus(Duration.ofDays(10)), 40_000, instances,
                TrafficGenerator.Mix.defaults())).stream().filter(e -> keys.containsAll(keysOf(e))).toList();
        assertTrue(older.size() > 9 * recent.size(), "older history: " + older.size());
        Map<String, String> endpoints = new LinkedHashMap<>();
        endpoints.put("metrics", "/api/v2/event-ops/metrics");
        endpoints.put("analytics (default 24 h)", "/api/v2/events/analytics");
        endpoints.put("analytics hourly", "/api/v2/events/analytics?granularity=hourly");
        endpoints.put("analytics daily fill=zero 7 d", "/api/v2/events/analytics?granularity=daily&fill=zero"
                + "&since=2026-02-05T15:37Z");
        endpoints.put("analytics window 3 d", "/api/v2/events/analytics?since=2026-02-08T10:13Z&until=2026-02-11T10:12:59.999Z");
        endpoints.put("analytics instance hourly", "/api/v2/events/analytics?granularity=hourly&instanceId="
                + instances.get(0).id());
        endpoints.put("analytics allTime", "/api/v2/events/analytics?allTime=true");
        endpoints.put("dead-letters", "/api/v2/dead-letters/stats");
        endpoints.put("automation", "/api/v2/automation-metrics");
        endpoints.put("dashboard", "/api/v2/dashboard");
        endpoints.put("health", "/api/v2/health");

        try (ScratchDatabase scratch = TestApi.freshDatabase()) {
            try (RollupDatabase database = TestApi.open(scratch, 1)) {
                database.ensureCutover(NOW.minus(Duration.ofDays(101)));
                TestApi.loadThroughIngest(database, recent, NOW);
            }
            Map<String, ReadCounter.Reads> before = measure(scratch, endpoints);
            try (RollupDatabase database = TestApi.open(scratch, 1)) {
                TestApi.loadThroughIngest(database, older, NOW, Instant.parse("2021-01-01T00:00:00Z"));
            }
            Map<String, ReadCounter.Reads> after = measure(scratch, endpoints);

            System.out.printf("%n%-32s %10s %10s %10s %13s %13s%n", "endpoint", "statements", "rows 1x",
                    "rows 10x", "examined 1x", "examined 10x");
            for (String name : endpoints.keySet()) {
                System.out.printf("%-32s %10d %10d %10d %13d %13d%n", name, before.get(name).statements(),
                        before.get(name).rows(), after.get(name).rows(), before.get(name).examined(),
                        after.get(name).examined());
            }
            for (String name : endpoints.keySet()) {
                assertEquals(before.get(name).statements(), after.get(name).statements(), name + " statements");
                assertEquals(before.get(name).rowsByTable(), after.get(name).rowsByTable(), name + " rows per table");
                assertFalse(after.get(name).rowsByTable().containsKey("omni_events"), name + " never reads omni_events");
                assertTrue(after.get(name).examined() < 5_000, name + " examines " + after.get(name).examined() + " rows");
            }
        }
    }

    /**
     * The same events spread over ten times the instances (each instance split in ten, timestamps kept): every
     * endpoint reads the same rows, because the all-instances rows carry the per-instance counts (only
     * {@code ?instanceId=} reads an instance's own rows, and that is one instance's).
     */
    @Test
    void readsDoNotGrowWithInstances() throws SQLException {
        ReadCounter.register();
        List<Instance> few = TrafficGenerator.defaultInstances(6, 9);
        List<OmniEvent> events = TrafficGenerator.generate(TrafficGenerator.Config.of(23, NOW, Duration.ofDays(10),
                6_000, few));
        List<Instance> many = new ArrayList<>();
        Map<String, List<Instance>> split = new LinkedHashMap<>();
        for (Instance instance : few) {
            for (int k = 0; k < 10; k++) {
                Instance part = new Instance(UUID.nameUUIDFromBytes((instance.id() + "/" + k).getBytes()),
                        instance.name() + "-" + k, instance.channel());
                many.add(part);
                split.computeIfAbsent(instance.id().toString(), x -> new ArrayList<>()).add(part);
            }
        }
        List<OmniEvent> spread = events.stream().map(e -> spreadOver(e, split)).toList();
        Map<String, String> endpoints = new LinkedHashMap<>();
        endpoints.put("metrics", "/api/v2/event-ops/metrics");
        endpoints.put("analytics (default 24 h)", "/api/v2/events/analytics");
        endpoints.put("analytics hourly", "/api/v2/events/analytics?granularity=hourly");
        endpoints.put("analytics window 3 d", "/api/v2/events/analytics?since=2026-02-08T10:13Z&until=2026-02-11T10:12:59.999Z");
        endpoints.put("analytics allTime", "/api/v2/events/analytics?allTime=true");
        endpoints.put("dashboard", "/api/v2/dashboard");

        Map<String, ReadCounter.Reads> fewReads;
        Map<String, ReadCounter.Reads> manyReads;
        try (ScratchDatabase scratch = TestApi.freshDatabase()) {
            scratch.jdbi().useHandle(h -> new ReferencePersistence(h).ensureInstances(few));
            try (RollupDatabase database = TestApi.open(scratch, 1)) {
                TestApi.loadThroughIngest(database, events, NOW);
            }
            fewReads = measure(scratch, endpoints);
        }
        try (ScratchDatabase scratch = TestApi.freshDatabase()) {
            scratch.jdbi().useHandle(h -> new ReferencePersistence(h).ensureInstances(many));
            try (RollupDatabase database = TestApi.open(scratch, 1)) {
                TestApi.loadThroughIngest(database, spread, NOW);
            }
            manyReads = measure(scratch, endpoints);
            TestApi.Reply allTime;
            try (TestApi api = TestApi.start(scratch, false, InstantSource.fixed(NOW), Map.of(), Optional.empty())) {
                allTime = api.get("/api/v2/events/analytics?allTime=true");
            }
            assertEquals(many.size(), allTime.json().get("instances").size(), "every instance is in the map");
        }
        System.out.printf("%n%-32s %12s %12s%n", "endpoint", "rows, 6 inst.", "rows, 60 inst.");
        for (String name : endpoints.keySet()) {
            System.out.printf("%-32s %12d %12d%n", name, fewReads.get(name).rows(), manyReads.get(name).rows());
        }
        for (String name : endpoints.keySet()) {
            assertEquals(fewReads.get(name).statements(), manyReads.get(name).statements(), name + " statements");
            assertEquals(fewReads.get(name).rowsByTable(), manyReads.get(name).rowsByTable(), name + " rows per table");
        }
    }

    /** The counter sees reads made through Jdbi too (they run with execute(), not executeQuery()). */
    @Test
    void readsThroughJdbiAreCounted() throws SQLException {
        ReadCounter.register();
        try (ScratchDatabase scratch = TestApi.freshDatabase();
             RollupDatabase counted = RollupDatabase.open(ReadCounter.PREFIX
                     + scratch.jdbcUrl().substring("jdbc:".length()), "rollup", "public", 1, "counted")) {
            ReadCounter.start();
            int one = counted.jdbi().withHandle(handle -> handle.createQuery("SELECT count(*) FROM <omni>.instances"
                    + " WHERE channel = :channel").bind("channel", "discord").mapTo(Integer.class).one());
            ReadCounter.Reads reads = ReadCounter.stop();
            assertEquals(0, one);
            assertEquals(1, reads.statements());
        }
    }

    /** The event published by one of the ten instances its instance was split into (chosen by its id). */
    private static OmniEvent spreadOver(OmniEvent event, Map<String, List<Instance>> split) {
        Optional<String> instance = event.metadataText("instanceId");
        if (instance.isEmpty() || !split.containsKey(instance.get())) {
            return event;
        }
        List<Instance> parts = split.get(instance.get());
        Instance part = parts.get(Math.floorMod(event.id().hashCode(), parts.size()));
        ObjectNode metadata = event.metadata().deepCopy();
        metadata.put("instanceId", part.id().toString());
        return event.withMetadata(metadata).withSubject(event.subject().replace(instance.get(), part.id().toString()));
    }

    private static List<String> keysOf(OmniEvent event) {
        List<String> keys = new ArrayList<>();
        event.payloadText("errorCode").ifPresent(code -> keys.add("stage:" + code));
        if (event.payload().path("content").has("type")) {
            keys.add("content:" + event.payload().path("content").path("type").asText());
        }
        return keys;
    }

    private static Map<String, ReadCounter.Reads> measure(ScratchDatabase scratch, Map<String, String> endpoints)
            throws SQLException {
        try (Connection c = scratch.connect(); Statement s = c.createStatement()) {
            s.execute("ANALYZE");
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM rollup.msg_hour")) {
                rs.next();
            }
        }
        RollupDatabase counted = RollupDatabase.open(ReadCounter.PREFIX + scratch.jdbcUrl().substring("jdbc:".length()),
                "rollup", "public", 2, "counted");
        Map<String, ReadCounter.Reads> reads = new LinkedHashMap<>();
        try (TestApi api = TestApi.start(scratch, false, counted, InstantSource.fixed(NOW), Map.of(), Optional.empty())) {
            for (Map.Entry<String, String> endpoint : endpoints.entrySet()) {
                ReadCounter.start();
                TestApi.Reply reply = api.get(endpoint.getValue());
                ReadCounter.Reads r = ReadCounter.stop();
                assertEquals(200, reply.status(), endpoint.getKey() + ": " + reply.body());
                reads.put(endpoint.getKey(), r);
            }
        }
        return reads;
    }
}
