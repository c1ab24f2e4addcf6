package dev.omnirollup.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omnirollup.sim.Instance;
import dev.omnirollup.sim.OmniEvent;
import dev.omnirollup.sim.ReferencePersistence;
import dev.omnirollup.sim.ScratchDatabase;
import dev.omnirollup.sim.TrafficGenerator;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Verify against real PostgreSQL: clean after backfill and live ingest, exactly the damaged days and figures after
 * damage, repair fixes the days before the cutover and leaves the live ones, and a deleted instance is no drift.
 */
class VerifyTest {
    private static final long DAY = 86_400;
    private static final Instant END = Instant.now().truncatedTo(ChronoUnit.MINUTES);
    /** Verify's clock: two minutes after the last generated event, so the default range holds all of them. */
    private static final InstantSource CLOCK = InstantSource.fixed(END.plusSeconds(120));
    private static final Duration MINUTES_KEPT = Duration.ofDays(9);
    private static final Duration SETTLE = Duration.ofSeconds(60);

    private ScratchRollups scratch;
    private ScratchDatabase omni;
    private RollupDatabase rollups;
    private final List<Instance> instances = TrafficGenerator.defaultInstances(6, 3);
    /** Noon of the day three days before the end: days before it are backfilled, after it live. */
    private final Instant cutover = Instant.ofEpochSecond(Grain.DAY.bucketOf(END.getEpochSecond() - 3 * DAY) + DAY / 2);
    private final long cutoverDay = Grain.DAY.bucketOf(cutover.getEpochSecond());

    @BeforeEach
    void setUp() throws SQLException {
        scratch = ScratchRollups.create(4);
        omni = scratch.omni;
        rollups = scratch.rollups;
        omni.jdbi().useHandle(h -> new ReferencePersistence(h).ensureInstances(instances));
        rollups.ensureCutover(cutover);
        List<OmniEvent> events = TrafficGenerator.generate(TrafficGenerator.Config.of(11, END, Duration.ofDays(10),
                4_000, instances));
        persist(events.stream().filter(e -> e.timestamp() < cutover.toEpochMilli()).toList());
        backfill().run(backfill().plan(cutover, Optional.empty(), Optional.empty()), false, () -> false,
                (p, r) -> { });
        persist(events.stream().filter(e -> e.timestamp() >= cutover.toEpochMilli()).toList());
        applyLive(events);
    }

    @AfterEach
    void tearDown() {
        scratch.close();
    }

    @Test
    void cleanAfterBackfillAndLiveIngest() {
        Verify verify = verify(2);
        Verify.Range range = verify.range(Optional.empty(), Optional.empty(), SETTLE);
        assertEquals(Grain.DAY.bucketOf(count("SELECT floor(extract(epoch FROM min(received_at))) FROM omni_events")),
                range.firstDay(), "from the oldest row");
        assertEquals(END.plusSeconds(60), range.end(), "now minus the settle time, floored to the minute");
        List<Verify.DayCheck> checks = verify.run(range, Optional.empty(), () -> false, (r, c) -> { });
        assertEquals(range.days(), checks.size());
        assertTrue(checks.size() >= 10, "ten days of traffic");
        assertEquals(Map.of(), drift(checks));
        long rows = checks.stream().mapToLong(c -> c.omni().total()).sum();
        assertEquals(count("SELECT count(*) FROM omni_events"), rows, "every row was compared");
        long executions = checks.stream().mapToLong(c -> c.omni().executions().orElseThrow().executions()).sum();
        assertEquals(count("SELECT count(*) FROM automation_logs"), executions);
        assertTrue(executions > 0, "the traffic has automation executions");
        assertEquals(List.of(Verify.Owner.BACKFILL, Verify.Owner.CUTOVER, Verify.Owner.LIVE),
                checks.stream().map(Verify.DayCheck::owner).distinct().toList());
        assertEquals(range.end(), checks.getLast().end(), "the last day ends at the range's end");
        for (int i = 1; i < checks.size(); i++) {
            assertEquals(checks.get(i - 1).day() + DAY, checks.get(i).day(), "in day order");
        }
    }

    @Test
    void damageIsReportedDayByDayAndRepairFixesWhatBackfillCanRebuild() {
        long lostCount = cutoverDay - 6 * DAY;
        long lostHour = cutoverDay - 5 * DAY;
        long lateRows = cutoverDay - 4 * DAY;
        long live = cutoverDay + DAY;
        UUID instance = instances.get(1).id();
        // a count lost in the backfill layer (from the day row and the running total alike)
        scratch.execute("UPDATE rollup.msg_day SET completed = completed - 1 WHERE scope = 0 AND src = 1 AND bucket = "
                + lostCount);
        scratch.execute("UPDATE rollup.msg_total SET completed = completed - 1 WHERE scope = 0 AND src = 1");
        long completed = count("SELECT count(*) FROM omni_events WHERE status = 'completed' AND " + day(lostCount));
        // an hour row gone
        long hour = count("SELECT min(bucket) FROM rollup.msg_hour WHERE scope = 0 AND src = 1 AND bucket >= "
                + lostHour + " AND bucket < " + (lostHour + DAY));
        long hourRows = count("SELECT total FROM rollup.msg_hour WHERE scope = 0 AND src = 1 AND bucket = " + hour);
        scratch.execute("DELETE FROM rollup.msg_hour WHERE scope IN (0, 1) AND src = 1 AND bucket = " + hour);
        // rows Omni stored after the backfill read their day, and rows the live ingest never saw
        insertRows(lateRows + 5 * 3600, instance, 3);
        insertRows(cutover.getEpochSecond() - 3600, instance, 2);
        insertRows(live + 7 * 3600, instance, 1);
        // an instance deleted in Omni: its rows keep counting in the totals, not in the map; that is no drift
        UUID deleted = instances.get(2).id();
        scratch.execute("DELETE FROM instances WHERE id = '" + deleted + "'");
        assertEquals(0, count("SELECT count(*) FROM omni_events WHERE instance_id = '" + deleted + "'"),
                "ON DELETE SET NULL");

        Verify verify = verify(1);
        Verify.Range range = verify.range(Optional.empty(), Optional.empty(), SETTLE);
        List<Verify.DayCheck> checks = verify.run(range, Optional.empty(), () -> false, (r, c) -> { });
        Map<Long, List<String>> drift = drift(checks);
        assertEquals(List.of(lostCount, lostHour, lateRows, cutoverDay, live), List.copyOf(drift.keySet()));
        assertEquals(List.of("completed: rollups " + (completed - 1) + ", Omni " + completed), drift.get(lostCount));
        assertEquals(List.of("hours[" + Instant.ofEpochSecond(hour) + "]: rollups 0, Omni " + hourRows),
                drift.get(lostHour));
        assertLateRows(drift.get(lateRows), 3, lateRows + 5 * 3600, instance);
        assertLateRows(drift.get(cutoverDay), 2, cutover.getEpochSecond() - 3600, instance);
        assertLateRows(drift.get(live), 1, live + 7 * 3600, instance);

        List<Verify.Repair> repairs = verify.repair(checks, backfill(), cutover, Optional.empty(), () -> false,
                r -> { });
        assertEquals(List.of(lostCount, lostHour, lateRows, cutoverDay, live),
                repairs.stream().map(r -> r.before().day()).toList());
        assertEquals(List.of(true, true, true, true, false), repairs.stream().map(Verify.Repair::repaired).toList());
        assertFalse(repairs.getLast().backfilled(), "a live day is not backfilled");
        assertEquals(Map.of(live, drift.get(live)), drift(verify.run(range, Optional.empty(), () -> false,
                (r, c) -> { })), "only the live day still differs");

        scratch.execute("DELETE FROM omni_events WHERE channel = 'verify-test' AND received_at >= to_timestamp("
                + cutover.getEpochSecond() + ") AT TIME ZONE 'UTC'");
        assertEquals(Map.of(), drift(verify.run(range, Optional.empty(), () -> false, (r, c) -> { })));
        assertEquals(count("SELECT count(*) FILTER (WHERE status = 'completed') FROM omni_events"),
                count("SELECT sum(completed) FROM rollup.msg_total WHERE scope = 0"),
                "the repaired days' running totals moved with them");
    }

    @Test
    void oneInstance() {
        UUID instance = instances.get(1).id();
        long lateRows = cutoverDay - 2 * DAY;
        insertRows(lateRows + 3600, instance, 2);
        Verify verify = verify(2);
        Verify.Range range = verify.range(Optional.empty(), Optional.empty(), SETTLE);
        List<Verify.DayCheck> checks = verify.run(range, Optional.of(instance), () -> false, (r, c) -> { });
        assertEquals(List.of(lateRows), List.copyOf(drift(checks).keySet()));
        assertTrue(checks.stream().allMatch(c -> c.omni().executions().isEmpty() && c.omni().instances().isEmpty()));
        assertTrue(checks.stream().mapToLong(c -> c.omni().total()).sum()
                == count("SELECT count(*) FROM omni_events WHERE instance_id = '" + instance + "'"));
        assertEquals(Map.of(), drift(verify.run(range, Optional.of(instances.get(0).id()), () -> false,
                (r, c) -> { })), "another instance has no drift");

        UUID deleted = instances.get(0).id();
        scratch.execute("DELETE FROM instances WHERE id = '" + deleted + "'");
        assertFalse(verify.instanceExists(deleted));
        List<Verify.DayCheck> gone = verify.run(range, Optional.of(deleted), () -> false, (r, c) -> { });
        assertEquals(Map.of(), drift(gone), "a deleted instance answers zeros on both sides");
        assertEquals(0, gone.stream().mapToLong(c -> c.omni().total()).sum());
    }

    @Test
    void rangesAreWholeUtcDaysUpToTheSettledEnd() {
        Verify verify = verify(1);
        Instant from = Instant.parse("2026-11-01T13:14:15Z");
        Verify.Range range = verify.range(Optional.of(from), Optional.of(Instant.parse("2026-11-03T01:00:00Z")),
                SETTLE);
        assertEquals(Instant.parse("2026-11-01T00:00:00Z").getEpochSecond(), range.firstDay());
        Instant settled = END.plusSeconds(60);
        Instant dayEnd = Instant.parse("2026-11-04T00:00:00Z");
        assertEquals(dayEnd.isBefore(settled) ? dayEnd : settled, range.end());
        Verify.Range recent = verify.range(Optional.of(END.minus(Duration.ofHours(30))), Optional.empty(),
                Duration.ofMinutes(5));
        assertEquals(END.minusSeconds(180), recent.end(), "settle: 2 minutes after END minus 5, floored");
        assertThrows(IllegalArgumentException.class,
                () -> verify.range(Optional.of(END.plus(Duration.ofDays(2))), Optional.empty(), SETTLE));
        assertThrows(IllegalArgumentException.class,
                () -> verify.range(Optional.empty(), Optional.empty(), Duration.ofHours(25)));
        assertEquals(1, verify.range(Optional.of(from), Optional.of(from), SETTLE).days(), "--to widens to its day");
        List<Verify.DayCheck> stopped = verify.run(verify.range(Optional.empty(), Optional.empty(), SETTLE),
                Optional.empty(), () -> true, (r, c) -> { });
        assertEquals(List.of(), stopped, "stop is checked before each day");
    }

    private void assertLateRows(List<String> differences, long n, long epochSecond, UUID instance) {
        assertTrue(differences != null, "the day differs");
        List<String> fields = differences.stream().map(d -> d.substring(0, d.lastIndexOf(": rollups "))).toList();
        assertEquals(List.of("total", "inbound", "channels[verify-test]", "contentTypes[text]",
                "eventTypes[message.received]", "instances[" + instance + "]",
                "hours[" + Instant.ofEpochSecond(Grain.HOUR.bucketOf(epochSecond)) + "]"), fields);
        for (String difference : differences) {
            long rollups = Long.parseLong(difference.replaceAll(".*: rollups (-?\\d+), Omni (-?\\d+)", "$1"));
            long omniValue = Long.parseLong(difference.replaceAll(".*: rollups (-?\\d+), Omni (-?\\d+)", "$2"));
            assertEquals(n, omniValue - rollups, difference);
        }
    }

    /** Rows Omni stores that never went through the rollups. */
    private void insertRows(long epochSecond, UUID instance, int n) {
        try (Connection c = omni.connect(); PreparedStatement ps = c.prepareStatement("INSERT INTO omni_events "
                + "(channel, instance_id, event_type, direction, content_type, status, received_at) "
                + "VALUES ('verify-test', ?, 'message.received', 'inbound', 'text', 'received', ?)")) {
            for (int i = 0; i < n; i++) {
                ps.setObject(1, instance);
                ps.setObject(2, LocalDateTime.ofEpochSecond(epochSecond, i * 1000, ZoneOffset.UTC));
                ps.executeUpdate();
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<Long, List<String>> drift(List<Verify.DayCheck> checks) {
        return checks.stream().filter(c -> !c.ok()).collect(Collectors.toMap(Verify.DayCheck::day,
                c -> c.differences().stream().map(DayFigures.Difference::toString).toList(), (a, b) -> a,
                TreeMap::new));
    }

    private Verify verify(int parallelism) {
        return new Verify(rollups, CLOCK, Duration.ofDays(8), parallelism);
    }

    private Backfill backfill() {
        return new Backfill(rollups, InstantSource.system(), MINUTES_KEPT);
    }

    private static String day(long day) {
        return "received_at >= to_timestamp(" + day + ") AT TIME ZONE 'UTC' AND received_at < to_timestamp("
                + (day + DAY) + ") AT TIME ZONE 'UTC'";
    }

    private long count(String sql) {
        try (Connection c = omni.connect(); PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private void persist(List<OmniEvent> events) {
        omni.jdbi().useHandle(h -> new ReferencePersistence(h).apply(events));
    }

    /** The live path: every event through the batch applier (it skips those before the cutover), then the log tail. */
    private void applyLive(List<OmniEvent> events) {
        BatchApplier applier = new BatchApplier(rollups, new EventDecoder(1 << 20), InstantSource.system(),
                MINUTES_KEPT, cutover);
        StreamRef stream = new StreamRef("MESSAGE", Instant.EPOCH);
        List<InboundMessage> batch = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            OmniEvent event = events.get(i);
            batch.add(new InboundMessage(event.subject(), event.toJson(), i + 1));
            if (batch.size() == 300 || i == events.size() - 1) {
                applier.apply(stream, batch);
                batch = new ArrayList<>();
            }
        }
        new AutomationLogTail(rollups, InstantSource.system(), MINUTES_KEPT, cutover, Duration.ofMinutes(2)).poll();
    }
}
