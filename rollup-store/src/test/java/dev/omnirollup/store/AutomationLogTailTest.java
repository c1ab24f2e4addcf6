package dev.omnirollup.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omnirollup.sim.ScratchDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The tail of Omni's {@code automation_logs}: every row counted once, whoever polls and however often, rows that
 * commit late with an older {@code created_at} included, rows before the cutover left to backfill, and a deleted
 * automation's counts taken out again.
 */
class AutomationLogTailTest {
    private static final Duration MINUTES_KEPT = Duration.ofDays(9);
    private static final Duration LOOKBACK = Duration.ofMinutes(2);
    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    private ScratchRollups scratch;
    private ScratchDatabase omni;
    private RollupDatabase rollups;
    private Instant cutover;
    private final List<UUID> automations = List.of(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID());
    private final List<UUID> existing = new CopyOnWriteArrayList<>(automations);
    private final SplittableRandom random = new SplittableRandom(5);

    @BeforeEach
    void setUp() throws SQLException {
        scratch = ScratchRollups.create(8);
        omni = scratch.omni;
        rollups = scratch.rollups;
        cutover = rollups.ensureCutover(NOW.minus(Duration.ofHours(30)));
        try (Connection c = omni.connect(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO automations (id, name, trigger_event_type, actions) VALUES (?, ?, 'message.received', '[]')")) {
            for (UUID id : automations) {
                ps.setObject(1, id);
                ps.setString(2, "automation " + id);
                ps.executeUpdate();
            }
        }
    }

    @AfterEach
    void tearDown() {
        scratch.close();
    }

    @Test
    void countsEachNewRowOnceAndLeavesRowsBeforeTheCutoverToBackfill() throws SQLException {
        insertLogs(200, cutover.minus(Duration.ofHours(5)), cutover.minusMillis(1));
        insertLogs(300, cutover, NOW);
        AutomationLogTail.Poll first = tail().poll();
        assertTrue(first.ran());
        assertEquals(300, first.counted());
        assertEquals(0, tail().poll().counted(), "nothing new");
        insertLogs(50, NOW.minusSeconds(30), NOW);
        assertEquals(50, tail().poll().counted());

        Backfill backfill = new Backfill(rollups, InstantSource.system(), MINUTES_KEPT);
        backfill.run(backfill.plan(cutover, Optional.empty(), Optional.empty()), false, () -> false, (p, r) -> { });
        new ReferenceCheck(rollups).assertAutomationMatches(NOW);
    }

    /** A row committed after a poll, stamped before rows that poll counted (its transaction started earlier). */
    @Test
    void countsRowsThatCommitLateWithAnOlderTimestamp() throws SQLException {
        insertLogs(100, NOW.minus(Duration.ofMinutes(20)), NOW);
        assertEquals(100, tail().poll().counted());
        insertLogs(7, NOW.minusSeconds(90), NOW.minusSeconds(60));
        assertEquals(7, tail().poll().counted(), "inside the look-back window");
        new ReferenceCheck(rollups).assertAutomationMatches(NOW);
    }

    /** Several ingest processes poll at once while Omni keeps writing: every row is counted exactly once. */
    @Test
    void concurrentPollersCountEveryRowOnce() throws Exception {
        AtomicBoolean writing = new AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            Future<?> writer = pool.submit(() -> {
                for (int round = 0; round < 40; round++) {
                    insertLogs(25, NOW.minusSeconds(100 - round), NOW.minusSeconds(100 - round));
                }
                writing.set(false);
                return null;
            });
            List<Future<Long>> pollers = new ArrayList<>();
            for (int p = 0; p < 3; p++) {
                pollers.add(pool.submit(() -> {
                    AutomationLogTail tail = tail();
                    long counted = 0;
                    while (writing.get()) {
                        counted += tail.poll().counted();
                    }
                    return counted;
                }));
            }
            writer.get();
            long counted = 0;
            for (Future<Long> poller : pollers) {
                counted += poller.get();
            }
            counted += tail().poll().counted();
            assertEquals(1_000, counted);
        } finally {
            pool.shutdownNow();
        }
        new ReferenceCheck(rollups).assertAutomationMatches(NOW);
    }

    /** Omni deletes an automation and its logs with it: every figure drops by what they counted, in both layers. */
    @Test
    void aDeletedAutomationLeavesEveryFigure() throws SQLException {
        insertLogs(150, cutover.minus(Duration.ofDays(2)), cutover.minusMillis(1));
        insertLogs(250, cutover, NOW);
        tail().poll();
        Backfill backfill = new Backfill(rollups, InstantSource.system(), MINUTES_KEPT);
        backfill.run(backfill.plan(cutover, Optional.empty(), Optional.empty()), false, () -> false, (p, r) -> { });
        AutomationDeletions deletions = new AutomationDeletions(rollups);
        assertTrue(deletions.sweep().automations().isEmpty(), "nothing deleted yet");

        scratch.execute("DELETE FROM automations WHERE id = '" + automations.get(1) + "'");
        existing.remove(automations.get(1));
        AutomationDeletions.Swept swept = deletions.sweep();
        assertEquals(List.of(automations.get(1)), swept.automations());
        assertTrue(swept.rows() > 0);
        new ReferenceCheck(rollups).assertAutomationMatches(NOW);
        assertTrue(deletions.sweep().automations().isEmpty(), "a sweep is idempotent");

        // the automation's rows are gone: a re-run of backfill and further polls keep the figures right
        backfill.run(backfill.plan(cutover, Optional.empty(), Optional.empty()), false, () -> false, (p, r) -> { });
        insertLogs(40, NOW.minusSeconds(20), NOW);
        tail().poll();
        new ReferenceCheck(rollups).assertAutomationMatches(NOW);
        assertFalse(hasRowsOf(automations.get(1)));
    }

    private AutomationLogTail tail() {
        return new AutomationLogTail(rollups, InstantSource.system(), MINUTES_KEPT, cutover, LOOKBACK);
    }

    /** Inserts rows as Omni does (one statement each), {@code created_at} spread over {@code [from, to]}. */
    private void insertLogs(int n, Instant from, Instant to) throws SQLException {
        try (Connection c = omni.connect(); PreparedStatement ps = c.prepareStatement("INSERT INTO automation_logs "
                + "(automation_id, event_id, status, conditions_matched, actions_executed, execution_time_ms, created_at) "
                + "VALUES (?, ?, ?, true, ?::jsonb, ?, ?)")) {
            long span = Math.max(1, to.toEpochMilli() - from.toEpochMilli());
            for (int i = 0; i < n; i++) {
                SplittableRandom r;
                synchronized (random) {
                    r = random.split();
                }
                ps.setObject(1, existing.get(r.nextInt(existing.size())));
                ps.setString(2, UUID.randomUUID().toString());
                ps.setString(3, List.of("success", "success", "failed", "skipped").get(r.nextInt(4)));
                ps.setString(4, "[" + "{\"action\":\"log\",\"status\":\"success\",\"durationMs\":3},".repeat(r.nextInt(3))
                        + "{\"action\":\"log\",\"status\":\"success\",\"durationMs\":1}]");
                if (r.nextInt(5) == 0) {
                    ps.setNull(5, Types.INTEGER);
                } else {
                    ps.setInt(5, r.nextInt(5_000));
                }
                ps.setObject(6, LocalDateTime.ofInstant(from.plusMillis(r.nextLong(span + 1)), ZoneOffset.UTC));
                ps.executeUpdate();
            }
        }
    }

    private boolean hasRowsOf(UUID automation) {
        return rollups.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT count(*) FROM rollup.auto_total WHERE scope = 1 AND automation_id = ?")) {
                ps.setObject(1, automation);
                try (var rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1) > 0;
                }
            }
        });
    }
}
