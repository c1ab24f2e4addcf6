package dev.omnirollup.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The instance-led indexes: dropped for a first backfill, rebuilt as migration V4 defined them, never lost. */
class InstanceIndexesTest {
    private static final String DEFINITIONS = "SELECT indexname || ': ' || indexdef FROM pg_indexes"
            + " WHERE schemaname = 'rollup' AND indexname LIKE '%_by_instance' ORDER BY indexname";
    private static final String OIDS = "SELECT c.oid::text FROM pg_class AS c JOIN pg_namespace AS n"
            + " ON n.oid = c.relnamespace WHERE n.nspname = 'rollup' AND c.relname LIKE '%_by_instance' ORDER BY c.relname";
    private static final Instant END = Instant.now().truncatedTo(ChronoUnit.HOURS);

    private ScratchRollups scratch;

    @BeforeEach
    void setUp() {
        scratch = ScratchRollups.create(3);
        scratch.execute("INSERT INTO omni_events (channel, instance_id, event_type, direction, status, received_at)"
                + " SELECT 'discord', NULL, 'message.received', 'inbound', 'received',"
                + " timestamp '" + END.minus(Duration.ofDays(2)).toString().replace("T", " ").replace("Z", "")
                + "' + g * interval '5 minutes' FROM generate_series(1, 500) AS g");
    }

    @AfterEach
    void tearDown() {
        scratch.close();
    }

    @Test
    void aBackfillIntoEmptyTablesRebuildsThemAsTheMigrationDefinedThem() {
        List<String> migrated = scratch.column(DEFINITIONS);
        List<String> oids = scratch.column(OIDS);
        assertEquals(3, migrated.size(), "minute, hour and day");
        backfill();
        assertEquals(migrated, scratch.column(DEFINITIONS));
        assertNotEquals(oids, scratch.column(OIDS), "dropped and built anew");
        assertEquals(500, scratch.scalar("SELECT total FROM rollup.msg_total WHERE scope = 0 AND src = 1"));
    }

    @Test
    void aBackfillBesideRowsAlreadyThereKeepsThem() {
        scratch.execute("INSERT INTO rollup.msg_hour (src, scope, instance_id, bucket, total, completed, failed,"
                + " pending, inbound, outbound, proc_sum, proc_count, agent_sum, agent_count, dims)"
                + " VALUES (0, 0, '00000000-0000-0000-0000-000000000000', " + END.getEpochSecond()
                + ", 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, '{}')");
        List<String> oids = scratch.column(OIDS);
        backfill();
        assertEquals(oids, scratch.column(OIDS), "a live row: the indexes stay");
    }

    @Test
    void migrateCreatesAMissingOne() {
        List<String> migrated = scratch.column(DEFINITIONS);
        scratch.execute("DROP INDEX rollup.msg_hour_by_instance");
        scratch.rollups.migrate();
        assertEquals(migrated, scratch.column(DEFINITIONS));
    }

    private void backfill() {
        Instant cutover = scratch.rollups.ensureCutover(END);
        Backfill backfill = new Backfill(scratch.rollups, InstantSource.system(), Duration.ofDays(9), 2);
        backfill.run(backfill.plan(cutover, Optional.empty(), Optional.empty()), false, () -> false, (p, r) -> { });
    }
}
