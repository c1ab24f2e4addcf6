package dev.omnirollup.ingest;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omnirollup.sim.ScratchDatabase;
import dev.omnirollup.store.Await;
import dev.omnirollup.store.RollupDatabase;
import java.time.Duration;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.Test;

/**
 * One ingest process consumes at a time: the holder of the lease on a rollup schema. The others stand by and take
 * over once its session ends, whether it closed the lease or its connection was cut.
 */
class IngestLeaseTest {
    private static final Duration POLL = Duration.ofMillis(100);

    @Test
    void oneHolderPerSchemaAndAStandbyTakesOverWhenItCloses() {
        try (ScratchDatabase db = ScratchDatabase.create();
             RollupDatabase rollups = RollupDatabase.open(db.jdbcUrl(), "rollup", "public", 2, "lease-test");
             RollupDatabase other = RollupDatabase.open(db.jdbcUrl(), "other_rollup", "public", 2, "lease-test")) {
            IngestLease first = IngestLease.start(rollups::openSession, rollups.rollupSchema(), POLL);
            IngestLease second = IngestLease.start(rollups::openSession, rollups.rollupSchema(), POLL);
            IngestLease elsewhere = IngestLease.start(other::openSession, other.rollupSchema(), POLL);
            try {
                assertTrue(first.held(), "the first process holds the lease at once");
                assertTrue(elsewhere.held(), "another rollup schema has a lease of its own");
                Await.until("the standby still stands by", Duration.ofSeconds(5),
                        Await.steadily(5, () -> !second.held()));
                first.close();
                assertFalse(first.held());
                Await.until("the standby takes over", Duration.ofSeconds(10), second::held);
            } finally {
                first.close();
                second.close();
                elsewhere.close();
            }
        }
    }

    @Test
    void aHolderWhoseSessionIsCutStandsByAndTheLockPassesOn() {
        try (ScratchDatabase db = ScratchDatabase.create();
             RollupDatabase rollups = RollupDatabase.open(db.jdbcUrl(), "rollup", "public", 2, "lease-test")) {
            IngestLease first = IngestLease.start(rollups::openSession, rollups.rollupSchema(), POLL);
            IngestLease second = IngestLease.start(rollups::openSession, rollups.rollupSchema(), POLL);
            try {
                assertTrue(first.held());
                int cut = rollups.withHandle(this::terminateLeaseHolder);
                assertTrue(cut == 1, "one session held the lock: " + cut);
                Await.until("one of them holds the lease again", Duration.ofSeconds(10),
                        () -> first.held() != second.held());
                Await.until("exactly one holds it, steadily", Duration.ofSeconds(10),
                        Await.steadily(5, () -> first.held() != second.held()));
            } finally {
                first.close();
                second.close();
            }
        }
    }

    /** Ends the database session holding the ingest lease, as a lost connection would. */
    private int terminateLeaseHolder(Handle handle) {
        return handle.createQuery("""
                SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_locks
                 WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database
                 WHERE datname = current_database())""").mapTo(Integer.class).one();
    }
}
