package dev.omnirollup.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.omnirollup.sim.Instance;
import dev.omnirollup.sim.OmniEvent;
import dev.omnirollup.sim.ReferencePersistence;
import dev.omnirollup.sim.ScratchDatabase;
import dev.omnirollup.sim.TrafficGenerator;
import dev.omnirollup.sim.UpstreamQueries;
import dev.omnirollup.store.RollupDatabase;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Omni deletes an instance: {@code omni_events.instance_id} is {@code ON DELETE SET NULL}, so its rows stay in every
 * total but leave the {@code instances} map, and {@code ?instanceId=<deleted>} answers zeros. Health and the
 * dashboard count instances from the same table.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeletedInstanceTest {
    static final Instant NOW = Instant.parse("2026-02-12T15:37:00Z");

    ScratchDatabase scratch;
    Handle omni;
    TestApi api;
    List<Instance> instances;
    UUID deleted;

    @BeforeAll
    void load() throws SQLException {
        scratch = TestApi.freshDatabase();
        instances = TrafficGenerator.defaultInstances(5, 4);
        List<OmniEvent> events = TrafficGenerator.generate(
                TrafficGenerator.Config.of(4, NOW, Duration.ofDays(3), 3_000, instances));
        omni = scratch.jdbi().open();
        ReferencePersistence reference = new ReferencePersistence(omni, InstantSource.fixed(NOW));
        reference.ensureInstances(instances);
        reference.apply(events);
        try (RollupDatabase database = TestApi.open(scratch, 2)) {
            TestApi.loadThroughIngest(database, events, NOW);
        }
        api = TestApi.start(scratch, false, InstantSource.fixed(NOW), Map.of(), Optional.empty());
        deleted = instances.get(1).id();
        assertTrue(api.get("/api/v2/events/analytics?allTime=true").json().get("instances").has(deleted.toString()),
                "the instance has events before it is deleted");
        scratch.jdbi().useHandle(h -> h.execute("DELETE FROM instances WHERE id = ?", deleted));
        api.server.api().refreshLiveCounts();
    }

    @AfterAll
    void close() throws SQLException {
        if (api != null) {
            api.close();
        }
        if (omni != null) {
            omni.close();
        }
        if (scratch != null) {
            scratch.close();
        }
    }

    @Test
    void analyticsFollowUpstreamAfterTheDeletion() {
        for (String query : List.of("", "allTime=true", "granularity=hourly", "since=2026-02-10T00:00Z&granularity=daily",
                "instanceId=" + deleted, "instanceId=" + deleted + "&allTime=true&granularity=hourly",
                "instanceId=" + instances.get(2).id() + "&allTime=true")) {
            ParityTest.Case c = ParityTest.Case.of(query);
            TestApi.Reply reply = api.get("/api/v2/events/analytics" + (query.isEmpty() ? "" : "?" + query));
            assertEquals(200, reply.status(), query + ": " + reply.body());
            UpstreamQueries.Analytics a = UpstreamQueries.analytics(omni, NOW, c.since().map(ParityTest::instant),
                    c.until().map(ParityTest::instant), c.instance(), c.granularity(), c.allTime());
            ParityTest.assertAnalytics(query, reply, a);
            assertFalse(reply.json().get("instances").has(deleted.toString()), query);
        }
        JsonNode deletedAllTime = api.get("/api/v2/events/analytics?allTime=true&instanceId=" + deleted).json();
        assertEquals(0, deletedAllTime.get("totalMessages").asLong());
        assertTrue(api.get("/api/v2/events/analytics?allTime=true").json().get("totalMessages").asLong() > 0);
    }

    @Test
    void healthAndDashboardCountTheInstancesThatExist() {
        UpstreamQueries.HealthInstances h = UpstreamQueries.healthInstances(omni);
        assertEquals(instances.size() - 1, h.total());
        for (JsonNode block : List.of(api.get("/api/v2/health", Map.of()).json().get("instances"),
                api.get("/api/v2/dashboard").json().get("instances"))) {
            assertEquals(h.total(), block.get("total").asLong());
            assertEquals(h.connected(), block.get("connected").asLong());
            assertEquals(h.byChannel(), ParityTest.counts(block.get("byChannel")));
        }
    }
}
