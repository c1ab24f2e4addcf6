package dev.omnirollup.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Window edges (docs/windows.md) against upstream's SQL ({@link UpstreamQueries#analytics}): windows whose edges
 * are aligned to the buckets that serve them (minutes in the last 8 days, hours before) equal upstream field by
 * field, including when the buckets next to an edge hold events; a bucket starting exactly at {@code until} is not
 * counted; {@code since > until} counts nothing to the millisecond; non-aligned edges count their whole bucket.
 * Besides ten days of generated traffic, bursts of events are placed in the minutes and hours on both sides of
 * every edge. No event is stamped exactly at an {@code until} of the parity queries; one is stamped exactly at
 * {@link #EXACT_UNTIL} to show the one documented difference.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WindowEdgesParityTest {
    static final Instant NOW = Instant.parse("2026-12-01T09:23:00Z");
    /** The one instant an event is stamped at that is also a window's {@code until}. */
    static final Instant EXACT_UNTIL = Instant.parse("2026-11-30T18:00:00Z");
    /** Every {@code until} of the parity queries below (no event is stamped exactly at one of them). */
    static final Set<Instant> UNTILS = Set.of(Instant.parse("2026-12-01T06:00:00Z"),
            Instant.parse("2026-11-30T00:00:00Z"), Instant.parse("2026-11-30T22:41:00Z"),
            Instant.parse("2026-11-22T00:00:00Z"), Instant.parse("2026-11-20T17:00:00Z"),
            Instant.parse("2026-11-23T00:00:00Z"), Instant.parse("2026-11-30T10:00:00.100Z"), EXACT_UNTIL);

    ScratchDatabase scratch;
    TestApi api;
    Handle omni;
    List<Instance> instances;

    @BeforeAll
    void load() throws SQLException {
        scratch = TestApi.freshDatabase();
        instances = TrafficGenerator.defaultInstances(6, 5);
        List<OmniEvent> events = new ArrayList<>(TrafficGenerator.generate(
                TrafficGenerator.Config.of(21, NOW, Duration.ofDays(12), 5_000, instances)));
        long seed = 100;
        // bursts next to the edges: [from, to) each
        String[][] bursts = {
            {"2026-12-01T05:59:00Z", "2026-12-01T06:00:00Z"}, // the minute before until: counted
            {"2026-12-01T06:00:00.001Z", "2026-12-01T06:01:00Z"}, // the minute starting at until: not counted
            {"2026-11-29T05:59:00Z", "2026-11-29T06:01:00Z"}, // around since
            {"2026-11-29T23:59:00Z", "2026-11-30T00:01:00Z"},
            {"2026-11-30T10:00:00Z", "2026-11-30T10:00:01Z"}, // the second of the crossed windows
            {"2026-11-30T22:40:00Z", "2026-11-30T22:42:00Z"},
            {"2026-11-30T17:59:00Z", "2026-11-30T18:01:00Z"},
            {"2026-11-21T23:30:00Z", "2026-11-22T00:59:00Z"}, // older: the hour starting at until: not counted
            {"2026-11-20T16:30:00Z", "2026-11-20T17:30:00Z"},
            {"2026-11-20T23:00:00Z", "2026-11-21T00:30:00Z"},
            {"2026-11-22T23:30:00Z", "2026-11-23T00:30:00Z"},
        };
        for (String[] burst : bursts) {
            events.addAll(TrafficGenerator.generate(new TrafficGenerator.Config(seed++, Instant.parse(burst[0]),
                    Instant.parse(burst[1]), 40, instances, TrafficGenerator.Mix.messagesOnly())));
        }
        events.removeIf(e -> UNTILS.contains(Instant.ofEpochMilli(e.timestamp())));
        OmniEvent received = TrafficGenerator.generate(new TrafficGenerator.Config(seed, EXACT_UNTIL.minusSeconds(1),
                        EXACT_UNTIL, 20, instances, TrafficGenerator.Mix.messagesOnly())).stream()
                .filter(e -> e.type().equals("message.received")).findFirst().orElseThrow();
        events.add(received.withTimestamp(EXACT_UNTIL.toEpochMilli()));
        events.sort(Comparator.comparingLong(OmniEvent::timestamp)); // stable: causal order within a burst stays
        omni = scratch.jdbi().open();
        ReferencePersistence reference = new ReferencePersistence(omni, InstantSource.fixed(NOW));
        reference.ensureInstances(instances);
        reference.apply(events);
        try (RollupDatabase database = TestApi.open(scratch, 2)) {
            TestApi.loadThroughIngest(database, events, NOW);
        }
        api = TestApi.start(scratch, false, InstantSource.fixed(NOW), Map.of(), Optional.empty());
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
    void alignedEdgesEqualUpstreamFieldByField() {
        String first = instances.get(0).id().toString();
        String second = instances.get(1).id().toString();
        List<String> queries = List.of(
                // minute-aligned edges inside the last 8 days, events in the minutes on both sides of each edge
                "since=2026-11-29T06:00:00Z&until=2026-12-01T06:00:00Z&granularity=hourly",
                "since=2026-11-29T06:00:00Z&until=2026-12-01T06:00:00Z&granularity=daily",
                "since=2026-11-29T06:00:00Z&until=2026-12-01T06:00:00Z",
                "since=2026-11-28T00:00Z&until=2026-11-30T00:00Z&granularity=daily",
                "since=2026-11-30T10:17Z&until=2026-11-30T22:41Z&granularity=hourly",
                "until=2026-12-01T06:00Z&granularity=hourly",
                "since=2026-12-01T06:00Z&granularity=hourly",
                "instanceId=" + first + "&since=2026-11-29T06:00Z&until=2026-12-01T06:00Z&granularity=daily",
                // hour- and day-aligned edges older than the minute horizon
                "since=2026-11-21T00:00Z&until=2026-11-22T00:00Z",
                "since=2026-11-21T00:00Z&until=2026-11-22T00:00Z&granularity=daily",
                "since=2026-11-21T00:00Z&until=2026-11-22T00:00Z&granularity=hourly",
                "since=2026-11-20T05:00Z&until=2026-11-20T17:00Z&granularity=hourly",
                "since=2026-11-20T00:00Z&until=2026-11-23T00:00Z&granularity=daily",
                "instanceId=" + second + "&since=2026-11-21T00:00Z&until=2026-11-22T00:00Z&granularity=hourly",
                // an old hour-aligned since, a recent minute-aligned until
                "since=2026-11-21T03:00Z&until=2026-11-30T00:00Z&granularity=daily",
                // since > until within one second: nothing, as upstream
                "since=2026-11-30T10:00:00.900Z&until=2026-11-30T10:00:00.100Z",
                "since=2026-11-30T10:00:00.900Z&until=2026-11-30T10:00:00.100Z&granularity=hourly");
        for (String query : queries) {
            ParityTest.Case c = ParityTest.Case.of(query);
            c.until().ifPresent(u -> assertTrue(UNTILS.contains(ParityTest.instant(u)), "test data avoids " + u));
            TestApi.Reply reply = api.get("/api/v2/events/analytics?" + query);
            assertEquals(200, reply.status(), query + ": " + reply.body());
            UpstreamQueries.Analytics a = UpstreamQueries.analytics(omni, NOW, c.since().map(ParityTest::instant),
                    c.until().map(ParityTest::instant), c.instance(), c.granularity(), c.allTime());
            ParityTest.assertAnalytics(query, reply, a);
        }
    }

    @Test
    void theBucketStartingAtUntilIsNotCounted() {
        String window = "since=2026-11-29T06:00:00Z&until=2026-12-01T06:00:00Z&granularity=hourly";
        JsonNode filled = api.get("/api/v2/events/analytics?" + window + "&fill=zero").json();
        assertEquals(48, filled.get("timeline").size(), "48 hours, not the one starting at until");
        assertEquals("2026-12-01 05:00:00", filled.get("timeline").get(47).get("bucket").asText());
        JsonNode sparse = api.get("/api/v2/events/analytics?" + window).json();
        assertEquals(48, sparse.get("timeline").size(), "every hour of the window holds events");
        // the minute starting at until holds events; upstream does not count them, neither do we
        long total = sparse.get("totalMessages").asLong();
        Optional<Instant> since = Optional.of(Instant.parse("2026-11-29T06:00:00Z"));
        assertEquals(total, upstream(since, Optional.of(Instant.parse("2026-12-01T06:00:00Z"))).totalMessages());
        assertTrue(upstream(since, Optional.of(Instant.parse("2026-12-01T06:00:59.999Z"))).totalMessages() > total,
                "the minute 06:00 holds events");

        // older than the minute horizon: a day-aligned window reads that day, not the hour after it
        String day = "since=2026-11-21T00:00Z&until=2026-11-22T00:00Z";
        JsonNode oneDay = api.get("/api/v2/events/analytics?" + day + "&granularity=daily&fill=zero").json();
        assertEquals(1, oneDay.get("timeline").size());
        assertEquals("2026-11-21 00:00:00", oneDay.get("timeline").get(0).get("bucket").asText());
        assertEquals(24, api.get("/api/v2/events/analytics?" + day + "&granularity=hourly&fill=zero").json()
                .get("timeline").size());
        Optional<Instant> daySince = Optional.of(Instant.parse("2026-11-21T00:00:00Z"));
        assertEquals(oneDay.get("totalMessages").asLong(),
                upstream(daySince, Optional.of(Instant.parse("2026-11-22T00:00:00Z"))).totalMessages());
        assertTrue(upstream(daySince, Optional.of(Instant.parse("2026-11-22T00:59:59.999Z"))).totalMessages()
                > oneDay.get("totalMessages").asLong(), "the hour after the day holds events");
        assertEquals(3, api.get("/api/v2/events/analytics?since=2026-11-20T00:00Z&until=2026-11-23T00:00Z"
                + "&granularity=daily&fill=zero").json().get("timeline").size());
    }

    @Test
    void sinceAfterUntilWithinOneSecondCountsNothing() {
        Optional<Instant> since = Optional.of(Instant.parse("2026-11-30T10:00:00.900Z"));
        Optional<Instant> until = Optional.of(Instant.parse("2026-11-30T10:00:00.100Z"));
        assertTrue(upstream(until, since).totalMessages() > 0, "the second holds events");
        for (String extra : List.of("", "&granularity=hourly", "&granularity=hourly&fill=zero",
                "&granularity=daily&fill=zero")) {
            String query = "since=2026-11-30T10:00:00.900Z&until=2026-11-30T10:00:00.100Z" + extra;
            TestApi.Reply reply = api.get("/api/v2/events/analytics?" + query);
            assertEquals(200, reply.status(), query);
            JsonNode body = reply.json();
            assertEquals(0, body.get("totalMessages").asLong(), query);
            assertEquals(0, body.get("instances").size(), query);
            if (!extra.isEmpty()) {
                assertEquals("[]", body.get("timeline").toString(), query);
            }
        }
    }

    @Test
    void eventsStampedExactlyAtUntilAreTheOneDifference() {
        String query = "since=2026-11-30T12:00Z&until=2026-11-30T18:00Z&granularity=hourly";
        TestApi.Reply reply = api.get("/api/v2/events/analytics?" + query);
        Optional<Instant> since = Optional.of(Instant.parse("2026-11-30T12:00:00Z"));
        // equal to upstream's window without its last millisecond …
        ParityTest.assertAnalytics(query, reply, upstream(since, Optional.of(EXACT_UNTIL.minusMillis(1)),
                Optional.of("hourly")));
        // … and short of upstream's by the one event stamped exactly at until
        assertEquals(upstream(since, Optional.of(EXACT_UNTIL)).totalMessages() - 1,
                reply.json().get("totalMessages").asLong());
    }

    @Test
    void nonAlignedEdgesCountTheirWholeBucket() {
        // inside the minute horizon: the whole minute
        TestApi.Reply subSecond = api.get("/api/v2/events/analytics?since=2026-11-30T10:00:00.100Z"
                + "&until=2026-11-30T10:00:00.900Z&granularity=hourly");
        ParityTest.assertAnalytics("sub-second", subSecond, upstream(Optional.of(Instant.parse("2026-11-30T10:00:00Z")),
                Optional.of(Instant.parse("2026-11-30T10:00:59.999Z")), Optional.of("hourly")));
        // older: the whole hours
        TestApi.Reply older = api.get("/api/v2/events/analytics?since=2026-11-20T16:30Z&until=2026-11-20T17:00:00.001Z"
                + "&granularity=hourly");
        ParityTest.assertAnalytics("older", older, upstream(Optional.of(Instant.parse("2026-11-20T16:00:00Z")),
                Optional.of(Instant.parse("2026-11-20T17:59:59.999Z")), Optional.of("hourly")));
    }

    private UpstreamQueries.Analytics upstream(Optional<Instant> since, Optional<Instant> until) {
        return upstream(since, until, Optional.empty());
    }

    private UpstreamQueries.Analytics upstream(Optional<Instant> since, Optional<Instant> until,
                                               Optional<String> granularity) {
        return UpstreamQueries.analytics(omni, NOW, since, until, Optional.empty(), granularity, false);
    }
}
