package dev.omnirollup.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omnirollup.sim.OmniEvent;
import dev.omnirollup.sim.PoisonGenerator;
import dev.omnirollup.sim.Publisher;
import dev.omnirollup.store.ReferenceCheck;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Events published to NATS and folded by the ingest give exactly the counts that plain SQL gives over the rows
 * upstream's persistence writes for the same events.
 */
class IngestReferenceTest {
    @Test
    void rollupsEqualPlainSqlOverUpstreamsRows() {
        try (IngestHarness harness = new IngestHarness()) {
            List<OmniEvent> events = harness.traffic(2026, 6_000);
            harness.persistReference(events);
            harness.publish(events);
            harness.startInProcess();
            harness.awaitCaughtUp(Duration.ofSeconds(240));

            ReferenceCheck check = new ReferenceCheck(harness.rollups);
            long rows = check.assertAllTimeMatches();
            assertTrue(rows > 4_000, "rows " + rows);
            Instant now = Instant.now();
            Instant end = IngestHarness.END;
            check.assertWindowMatches(end.minus(Duration.ofHours(24)), Optional.empty(), Optional.empty(), now);
            // minute-aligned edges inside the last 8 days, hour-aligned edges before
            check.assertWindowMatches(end.minus(Duration.ofMinutes(5 * 1440 + 317)),
                    Optional.of(end.minus(Duration.ofMinutes(1440 + 41)).minusMillis(1)), Optional.empty(), now);
            Instant hour = end.truncatedTo(ChronoUnit.HOURS);
            check.assertWindowMatches(hour.minus(Duration.ofHours(9 * 24 + 5)),
                    Optional.of(hour.minus(Duration.ofHours(8 * 24 + 7)).minusMillis(1)),
                    Optional.of(harness.instances.get(0).id()), now);
            check.assertRandomWindowsMatch(2026, 80, end.plusSeconds(3_600), Duration.ofDays(11),
                    harness.instances.stream().map(i -> i.id()).toList(), now);
        }
    }

    @Test
    void poisonIsSetAsideWithItsReasonAndTheGoodEventsAroundItCount() throws SQLException {
        try (IngestHarness harness = new IngestHarness()) {
            List<OmniEvent> events = harness.traffic(77, 1_500);
            List<PoisonGenerator.Poison> poison = PoisonGenerator.oneOfEach(5, 900 * 1024);
            harness.persistReference(events);
            Publisher publisher = Publisher.on(harness.nats);
            publisher.publishAll(events.subList(0, 700));
            publisher.publishRaw(poison);
            publisher.publishAll(events.subList(700, events.size()));
            harness.set("ingest-max-event-bytes", Integer.toString(512 * 1024)).startInProcess();
            harness.awaitCaughtUp(Duration.ofSeconds(240));

            new ReferenceCheck(harness.rollups).assertAllTimeMatches();
            Map<String, String> reasons = new HashMap<>();
            try (Connection c = harness.omni.connect(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT subject, reason FROM rollup.rejects ORDER BY stream_seq")) {
                while (rs.next()) {
                    reasons.put(rs.getString(1), rs.getString(2));
                }
            }
            assertEquals(poison.size(), reasons.size(), "every poison message is kept: " + reasons);
            for (PoisonGenerator.Poison bad : poison) {
                String reason = reasons.get(bad.subject());
                assertTrue(reason != null && !reason.isBlank(), bad.kind() + " has a reason");
            }
        }
    }
}
