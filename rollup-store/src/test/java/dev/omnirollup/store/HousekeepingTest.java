package dev.omnirollup.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Housekeeping deletes exactly this, relative to its clock: minute buckets (messages and automations, both scopes,
 * both layers) before the minute retention, external-id index entries untouched since before the horizon (a chunk
 * a round, oldest first), rejects but the newest N, and the exactly-once pages wholly below the first sequence of
 * the streams it is given. Rows just on the other side of every boundary, the coarser grains and every other table
 * stay. Rows are written and read with plain SQL.
 */
class HousekeepingTest {
    /** Not on a minute boundary: the minute floor is the minute that holds now - retention. */
    private static final Instant NOW = Instant.parse("2026-03-02T10:00:30Z");
    private static final Duration MINUTES_KEPT = Duration.ofDays(9);
    private static final Duration HORIZON = Duration.ofDays(35);
    private static final int REJECTS_KEPT = 3;
    /** The oldest minute bucket kept: 2026-02-21T10:00:00Z. */
    private static final long FLOOR = Instant.parse("2026-02-21T10:00:00Z").getEpochSecond();
    /** Index entries touched before this second are pruned. */
    private static final long UNTOUCHED_BEFORE = NOW.getEpochSecond() - HORIZON.toSeconds();
    private static final long LONG_AGO = FLOOR - 30 * 86_400;
    private static final String NIL = "00000000-0000-0000-0000-000000000000";
    private static final String ONE = "3f1c2a9e-5b7d-4c1e-9a2b-1c2d3e4f5a6b";
    /** Housekeeping's advisory lock, "omniroll". */
    private static final long LOCK_KEY = 0x6f6d6e69726f6c6cL;

    private static final StreamRef MESSAGES = new StreamRef("MESSAGE", Instant.parse("2026-01-01T00:00:00Z"));
    private static final StreamRef AUTOMATIONS = new StreamRef("AUTOMATION", Instant.parse("2026-01-01T00:00:00Z"));
    /** The message stream deleted and created again: another incarnation, not handed to housekeeping. */
    private static final StreamRef RECREATED = new StreamRef("MESSAGE", Instant.parse("2026-02-01T00:00:00Z"));
    /** MESSAGES starts at the first sequence of page 2, AUTOMATIONS at the last of page 1. */
    private static final List<Housekeeping.StreamFloor> FLOORS = List.of(
            new Housekeeping.StreamFloor(MESSAGES, 2 * AppliedPages.PAGE_BITS),
            new Housekeeping.StreamFloor(AUTOMATIONS, 2 * AppliedPages.PAGE_BITS - 1));

    private ScratchRollups scratch;
    private final ManualClock clock = new ManualClock(NOW);
    private Housekeeping housekeeping;

    @BeforeEach
    void setUp() {
        scratch = ScratchRollups.create(2);
        housekeeping = new Housekeeping(scratch.rollups, clock, MINUTES_KEPT, HORIZON, REJECTS_KEPT);
    }

    @AfterEach
    void tearDown() {
        scratch.close();
    }

    @Test
    void deletesExactlyWhatIsPastEachBoundaryAndASecondRunNothing() {
        fillEveryTable();
        List<String> rejectIds = scratch.column("SELECT id FROM rollup.rejects ORDER BY id");
        Map<String, List<String>> before = snapshot();

        Housekeeping.Pruned pruned = housekeeping.run(FLOORS);

        Map<String, List<String>> after = snapshot();
        assertEquals(minuteKeys(FLOOR, FLOOR + 60), keys("msg_minute", "instance_id"));
        assertEquals(minuteKeys(FLOOR, FLOOR + 60), keys("auto_minute", "automation_id"));
        assertEquals(List.of("at the horizon", "today"),
                scratch.column("SELECT external_id FROM rollup.message_index ORDER BY external_id"));
        assertEquals(rejectIds.subList(rejectIds.size() - REJECTS_KEPT, rejectIds.size()),
                scratch.column("SELECT id FROM rollup.rejects ORDER BY id"), "the newest " + REJECTS_KEPT);
        assertEquals(List.of(AUTOMATIONS.key() + " 1", AUTOMATIONS.key() + " 2", MESSAGES.key() + " 2",
                        MESSAGES.key() + " 3", RECREATED.key() + " 0", RECREATED.key() + " 1"),
                scratch.column("SELECT stream_key || ' ' || page FROM rollup.applied_pages ORDER BY 1"));
        assertOnlyDeleted(before, after);
        Map<String, List<String>> untouched = new LinkedHashMap<>(before);
        List.of("msg_minute", "auto_minute", "message_index", "rejects", "applied_pages").forEach(untouched::remove);
        untouched.forEach((table, rows) -> assertEquals(rows, after.get(table), table + " is not housekeeping's"));
        assertEquals(new Housekeeping.Pruned(true, 2 * 8, 1, 2, 3), pruned, "what it says it deleted");

        assertEquals(new Housekeeping.Pruned(true, 0, 0, 0, 0), housekeeping.run(FLOORS));
        assertEquals(after, snapshot(), "a second round at the same time deletes nothing");
    }

    /** A minute later, the minute floor and the index horizon have moved by a minute; nothing else has. */
    /** Reject ids have gaps (a rolled-back batch uses some up): the newest N rows stay, however far apart. */
    @Test
    void theNewestRejectsStayWhenTheirIdsHaveGaps() {
        scratch.execute("INSERT INTO rollup.rejects (id, stream, stream_seq, subject, reason, body, body_bytes) "
                + "SELECT g, 'MESSAGE', g, 'message.x', 'reason', '{}', 2 "
                + "FROM unnest(ARRAY[1, 2, 3, 4, 5, 10, 40, 41]) AS g");

        housekeeping.run(FLOORS);

        List<String> kept = scratch.column("SELECT id FROM rollup.rejects ORDER BY id");
        List<String> all = List.of("1", "2", "3", "4", "5", "10", "40", "41");
        assertEquals(all.subList(all.size() - REJECTS_KEPT, all.size()), kept, "the newest " + REJECTS_KEPT);
    }

    @Test
    void theBoundariesMoveWithTheClock() {
        fillEveryTable();
        housekeeping.run(FLOORS);
        Map<String, List<String>> before = snapshot();

        clock.advance(Duration.ofMinutes(1));
        Housekeeping.Pruned pruned = housekeeping.run(FLOORS);

        assertEquals(minuteKeys(FLOOR + 60), keys("msg_minute", "instance_id"));
        assertEquals(minuteKeys(FLOOR + 60), keys("auto_minute", "automation_id"));
        assertEquals(List.of("today"), scratch.column("SELECT external_id FROM rollup.message_index"));
        assertEquals(new Housekeeping.Pruned(true, 8, 1, 0, 0), pruned);
        assertOnlyDeleted(before, snapshot());
    }

    /** A backlog of idle index entries goes a chunk of 50,000 a round, oldest first. */
    @Test
    void idleIndexEntriesGoAChunkARoundOldestFirst() {
        scratch.execute("INSERT INTO rollup.message_index (external_id, state, touched_at) SELECT 'id-' || g, "
                + "'\\x00'::bytea, " + UNTOUCHED_BEFORE + " - g FROM generate_series(1, 50002) AS g");

        assertEquals(50_000, housekeeping.run(List.of()).indexEntries());
        assertEquals(List.of("id-1", "id-2"),
                scratch.column("SELECT external_id FROM rollup.message_index ORDER BY touched_at DESC"));
        assertEquals(2, housekeeping.run(List.of()).indexEntries());
        assertEquals(0, scratch.scalar("SELECT count(*) FROM rollup.message_index"));
    }

    /** Only one process does a round: while another holds the lock, a round deletes nothing and says so. */
    @Test
    void aRoundIsSkippedWhileAnotherProcessHoldsIt() throws SQLException {
        fillEveryTable();
        Map<String, List<String>> before = snapshot();
        try (Connection other = scratch.omni.connect()) {
            other.setAutoCommit(false);
            try (PreparedStatement lock = other.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
                lock.setLong(1, LOCK_KEY);
                lock.execute();
            }
            Housekeeping.Pruned skipped = housekeeping.run(FLOORS);
            assertFalse(skipped.ran());
            assertEquals(new Housekeeping.Pruned(false, 0, 0, 0, 0), skipped);
            assertEquals(before, snapshot());
            other.rollback();
        }
        assertTrue(housekeeping.run(FLOORS).ran(), "the lock is free again");
    }

    /**
     * On each side of every boundary, and in every table housekeeping must leave alone: minute rows of both layers
     * and scopes at FLOOR - 60 and long ago (to go) and at FLOOR and FLOOR + 60 (to stay); hour, day and total rows
     * long ago; index entries touched a second before the horizon, at it, and now; five rejects; pages 0 to 3 of the
     * message stream (starting at page 2's first sequence), 0 to 2 of the automation stream (starting at page 1's
     * last), 0 and 1 of a stream's older incarnation that is not handed over; a row in each other table.
     */
    private void fillEveryTable() {
        for (String grain : List.of("minute", "hour", "day", "total")) {
            long[] buckets = grain.equals("minute") ? new long[] {LONG_AGO, FLOOR - 60, FLOOR, FLOOR + 60}
                    : new long[] {grain.equals("total") ? 0 : LONG_AGO};
            for (long bucket : buckets) {
                scratch.execute("INSERT INTO rollup.msg_" + grain + " (src, scope, instance_id, bucket, total, "
                        + "completed, failed, pending, inbound, outbound, proc_sum, proc_count, agent_sum, agent_count, "
                        + "dims) SELECT src, scope, CASE scope WHEN 0 THEN '" + NIL + "' ELSE '" + ONE + "' END::uuid, "
                        + bucket + ", 2, 1, 1, 0, 1, 1, 0, 0, 0, 0, '{}' "
                        + "FROM (VALUES (0), (1)) AS l(src), (VALUES (0), (1)) AS s(scope)");
                scratch.execute("INSERT INTO rollup.auto_" + grain + " (src, scope, automation_id, bucket, executions, "
                        + "success, failed, skipped, actions, exec_sum, exec_count) SELECT src, scope, CASE scope "
                        + "WHEN 0 THEN '" + NIL + "' ELSE '" + ONE + "' END::uuid, " + bucket + ", 1, 1, 0, 0, 1, 5, 1 "
                        + "FROM (VALUES (0), (1)) AS l(src), (VALUES (0), (1)) AS s(scope)");
            }
        }
        scratch.execute("INSERT INTO rollup.message_index (external_id, state, touched_at) VALUES "
                + "('before the horizon', '\\x01'::bytea, " + (UNTOUCHED_BEFORE - 1) + "), "
                + "('at the horizon', '\\x02'::bytea, " + UNTOUCHED_BEFORE + "), "
                + "('today', '\\x03'::bytea, " + NOW.getEpochSecond() + ")");
        scratch.execute("INSERT INTO rollup.rejects (stream, stream_seq, subject, reason, body, body_bytes) "
                + "SELECT 'MESSAGE', g, 'message.x', 'reason ' || g, '{}', 2 FROM generate_series(1, 5) AS g");
        insertPages(MESSAGES, 0, 1, 2, 3);
        insertPages(AUTOMATIONS, 0, 1, 2);
        insertPages(RECREATED, 0, 1);
        scratch.execute("""
                INSERT INTO rollup.automation_queue VALUES ('engine', 1, 2, 0);
                INSERT INTO rollup.ingest_progress VALUES ('MESSAGE', 1, 0, 0);
                INSERT INTO rollup.seed_status VALUES ('%1$s', 'completed');
                INSERT INTO rollup.automation_tail VALUES (1, '2020-01-01 00:00:00');
                INSERT INTO rollup.automation_seen VALUES ('%1$s', '2020-01-01 00:00:00');
                INSERT INTO rollup.backfill_days (kind, day, source_rows) VALUES ('all', 0, 1);
                INSERT INTO rollup.settings VALUES ('cutover', '0');
                """.formatted(ONE));
    }

    private void insertPages(StreamRef stream, int... pages) {
        for (int page : pages) {
            scratch.execute("INSERT INTO rollup.applied_pages (stream_key, page, bits) VALUES ('" + stream.key()
                    + "', " + page + ", '\\xff'::bytea)");
        }
    }

    /** {@code src scope subject bucket} of every combination of layer and scope, for these buckets, sorted. */
    private static List<String> minuteKeys(long... buckets) {
        List<String> keys = new ArrayList<>();
        for (int src = 0; src < 2; src++) {
            for (int scope = 0; scope < 2; scope++) {
                for (long bucket : buckets) {
                    keys.add(src + " " + scope + " " + (scope == 0 ? NIL : ONE) + " " + bucket);
                }
            }
        }
        return keys.stream().sorted().toList();
    }

    private List<String> keys(String table, String subject) {
        return scratch.column("SELECT concat_ws(' ', src, scope, " + subject + ", bucket) FROM rollup." + table
                + " ORDER BY 1");
    }

    /** Every table of the rollup schema (but Flyway's), each row as text, sorted. */
    private Map<String, List<String>> snapshot() {
        Map<String, List<String>> tables = new LinkedHashMap<>();
        for (String table : scratch.column("SELECT table_name FROM information_schema.tables WHERE table_schema = "
                + "'rollup' AND table_type = 'BASE TABLE' AND table_name <> 'flyway_schema_history' ORDER BY 1")) {
            tables.put(table, scratch.column("SELECT t::text FROM rollup." + table + " AS t ORDER BY 1"));
        }
        return tables;
    }

    /** No row was added or changed: every table holds a subset of what it held. */
    private static void assertOnlyDeleted(Map<String, List<String>> before, Map<String, List<String>> after) {
        assertEquals(before.keySet(), after.keySet());
        before.forEach((table, rows) -> assertTrue(rows.containsAll(after.get(table)), table + " only lost rows"));
    }
}
