package dev.omnirollup.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omnirollup.sim.ScratchDatabase;
import dev.omnirollup.store.Await;
import dev.omnirollup.store.RollupDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntPredicate;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One ingest process consumes a partition at a time: the holder of its lease on a rollup schema. The processes share
 * the partitions out; the others stand by and take over once a holder's session ends, whether it closed the lease or
 * its connection was cut; a process with another number of partitions takes none while the others run.
 */
class IngestLeaseTest {
    private static final Duration POLL = Duration.ofMillis(100);
    private ScratchDatabase db;
    private RollupDatabase rollups;
    /** Every lease a test started, closed after it (closing twice is harmless). */
    private final List<IngestLease> started = new ArrayList<>();

    @BeforeEach
    void openDatabase() {
        db = ScratchDatabase.create();
        rollups = RollupDatabase.open(db.jdbcUrl(), "rollup", "public", 2, "lease-test");
    }

    @AfterEach
    void closeAll() {
        started.forEach(IngestLease::close);
        rollups.close();
        db.close();
    }

    @Test
    void oneHolderPerSchemaAndAStandbyTakesOverWhenItCloses() {
        try (RollupDatabase other = RollupDatabase.open(db.jdbcUrl(), "other_rollup", "public", 2, "lease-test")) {
            IngestLease first = lease(1);
            IngestLease second = lease(1);
            IngestLease elsewhere = lease(other, 1, p -> true);
            assertTrue(first.holds(0), "the first process holds the lease at once");
            assertTrue(elsewhere.holds(0), "another rollup schema has a lease of its own");
            Await.until("the standby still stands by", Duration.ofSeconds(5),
                    Await.steadily(5, () -> !second.holds(0)));
            first.close();
            assertFalse(first.holds(0));
            Await.until("the standby takes over", Duration.ofSeconds(10), () -> second.holds(0));
            elsewhere.close();
        }
    }

    @Test
    void aHolderWhoseSessionIsCutStandsByAndTheLockPassesOn() {
        IngestLease first = lease(1);
        IngestLease second = lease(1);
        assertTrue(first.holds(0));
        int cut = rollups.withHandle(this::terminateLeaseHolder);
        assertTrue(cut == 1, "one session held the lock: " + cut);
        Await.until("one of them holds the lease again", Duration.ofSeconds(10),
                () -> first.holds(0) != second.holds(0));
        Await.until("exactly one holds it, steadily", Duration.ofSeconds(10),
                Await.steadily(5, () -> first.holds(0) != second.holds(0)));
    }

    @Test
    void theProcessesShareThePartitionsOutAndTakeOverThoseOfOneThatEnds() {
        List<IngestLease> leases = new ArrayList<>();
        leases.add(lease(3));
        assertEquals(List.of(0, 1, 2), leases.get(0).heldPartitions(), "a process alone takes every one");
        leases.add(lease(3));
        Await.until("two processes share the three partitions 2 + 1", Duration.ofSeconds(10),
                Await.steadily(5, () -> sharedOut(leases, List.of(2, 1))));
        leases.add(lease(3));
        Await.until("three processes take one each", Duration.ofSeconds(10),
                Await.steadily(5, () -> sharedOut(leases, List.of(1, 1, 1))));
        leases.add(lease(3));
        Await.until("a fourth stands by", Duration.ofSeconds(10),
                Await.steadily(5, () -> sharedOut(leases, List.of(1, 1, 1, 0))));
        leases.remove(1).close();
        Await.until("the standby takes the partition of the process that ended", Duration.ofSeconds(10),
                Await.steadily(5, () -> sharedOut(leases, List.of(1, 1, 1))));
        leases.remove(0).close();
        Await.until("two left share them 2 + 1", Duration.ofSeconds(10),
                Await.steadily(5, () -> sharedOut(leases, List.of(2, 1))));
    }

    @Test
    void aPartitionGivenBackKeepsItsLockUntilItsWorkersAreDrained() {
        AtomicBoolean drained = new AtomicBoolean();
        IngestLease first = lease(rollups, 2, p -> drained.get());
        IngestLease second = lease(2);
        Await.until("the first gives one partition back", Duration.ofSeconds(10), () -> first.heldCount() == 1);
        Await.until("which the second cannot take while the first's workers still have batches in hand",
                Duration.ofSeconds(5), Await.steadily(5, () -> second.heldCount() == 0));
        drained.set(true);
        Await.until("then it can", Duration.ofSeconds(10), () -> sharedOut(List.of(first, second), List.of(1, 1)));
    }

    @Test
    void aProcessWithAnotherNumberOfPartitionsWaitsUntilTheOthersEnd() {
        IngestLease whole = lease(1);
        IngestLease cut = lease(3);
        assertTrue(whole.holds(0));
        Await.until("the process with 3 partitions takes none while the one with 1 runs", Duration.ofSeconds(5),
                Await.steadily(5, () -> cut.heldCount() == 0));
        Await.until("and the one with 1 knows another number runs", Duration.ofSeconds(5),
                () -> !whole.consumesAlone());
        whole.close();
        Await.until("then it takes all three", Duration.ofSeconds(10), () -> cut.heldCount() == 3);
        Await.until("alone", Duration.ofSeconds(10), cut::consumesAlone);
    }

    /**
     * Without ingest-single-active a process consumes every partition beside the others with its number of
     * partitions, but none while a process with another number runs: its partitions' messages are not those of the
     * running one, whose exactly-once records and index rows it would not lock.
     */
    @Test
    void aSharedLeaseConsumesEveryPartitionBesideItsOwnKindButNotBesideAnotherNumber() {
        IngestLease holder = lease(3);
        IngestLease beside = shared(3);
        assertEquals(List.of(0, 1, 2), beside.heldPartitions(), "every partition, although another process holds them");
        assertEquals(List.of(0, 1, 2), holder.heldPartitions(), "and the holder keeps them");
        IngestLease otherNumber = shared(2);
        Await.until("a shared lease with 2 partitions takes none while processes with 3 run", Duration.ofSeconds(5),
                Await.steadily(5, () -> otherNumber.heldCount() == 0));
        IngestLease lockedOut = lease(1);
        Await.until("nor does a lease with 1 partition", Duration.ofSeconds(5),
                Await.steadily(5, () -> lockedOut.heldCount() == 0));
        holder.close();
        beside.close();
        awaitOneNumberConsumingAll(otherNumber, 2, lockedOut, 1);
    }

    /** Two processes standing by with different numbers of partitions do not keep each other out once the holder ends. */
    @Test
    void processesStandingByWithDifferentNumbersDoNotKeepEachOtherOut() {
        IngestLease holder = lease(2);
        IngestLease sameNumber = lease(2);
        IngestLease three = lease(3);
        IngestLease one = lease(1);
        Await.until("the two with 2 partitions share them", Duration.ofSeconds(10),
                () -> sharedOut(List.of(holder, sameNumber), List.of(1, 1)));
        Await.until("the others stand by", Duration.ofSeconds(5),
                Await.steadily(5, () -> three.heldCount() == 0 && one.heldCount() == 0));
        holder.close();
        Await.until("the other with 2 takes both", Duration.ofSeconds(10), () -> sameNumber.heldCount() == 2);
        sameNumber.close();
        awaitOneNumberConsumingAll(three, 3, one, 1);
    }

    /**
     * A process of a version without partitions holds the lock partition 0 has now, without registering: a process
     * with partitions takes none of them while it runs, since that process applies every message.
     */
    @Test
    void aProcessOfAVersionWithoutPartitionsKeepsThePartitionedOnesOut() {
        try (Handle old = rollups.openSession()) {
            assertTrue(old.createQuery("SELECT pg_try_advisory_lock(hashtext('omni-rollup ingest'), hashtext('rollup'))")
                    .mapTo(Boolean.class).one(), "the earlier version's lease");
            IngestLease cut = lease(3);
            Await.until("no partition taken while it runs", Duration.ofSeconds(5),
                    Await.steadily(5, () -> cut.heldCount() == 0));
            old.close();
            Await.until("all three once it ends", Duration.ofSeconds(10), () -> cut.heldCount() == 3);
        }
    }

    /** A lease on the test's schema whose workers are always drained. */
    private IngestLease lease(int partitions) {
        return lease(rollups, partitions, p -> true);
    }

    private IngestLease lease(RollupDatabase database, int partitions, IntPredicate drained) {
        IngestLease lease = IngestLease.start(database::openSession, database.rollupSchema(), partitions, drained,
                POLL);
        started.add(lease);
        return lease;
    }

    private IngestLease shared(int partitions) {
        IngestLease lease = IngestLease.shared(rollups::openSession, rollups.rollupSchema(), partitions, POLL);
        started.add(lease);
        return lease;
    }

    /**
     * Once the processes with the running number of partitions have ended, of two leases standing by with other
     * numbers one takes all its partitions, and the other none, steadily.
     */
    private static void awaitOneNumberConsumingAll(IngestLease a, int aPartitions, IngestLease b, int bPartitions) {
        Await.until("one of the two numbers consumes: all its partitions", Duration.ofSeconds(10),
                () -> a.heldCount() == aPartitions || b.heldCount() == bPartitions);
        Await.until("and the other number none", Duration.ofSeconds(5),
                Await.steadily(5, () -> a.heldCount() == 0 ^ b.heldCount() == 0));
    }

    /** Whether the leases hold these many partitions, in any order, and no partition is held twice. */
    private static boolean sharedOut(List<IngestLease> leases, List<Integer> counts) {
        Set<Integer> seen = new HashSet<>();
        List<Integer> held = new ArrayList<>();
        for (IngestLease lease : leases) {
            List<Integer> partitions = lease.heldPartitions();
            held.add(partitions.size());
            seen.addAll(partitions);
        }
        int total = held.stream().mapToInt(Integer::intValue).sum();
        return seen.size() == total && held.stream().sorted().toList().equals(counts.stream().sorted().toList());
    }

    /** Ends the database session holding partition locks, as a lost connection would. */
    private int terminateLeaseHolder(Handle handle) {
        return handle.createQuery("""
                SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))
                  FROM (SELECT DISTINCT pid FROM pg_locks
                         WHERE locktype = 'advisory' AND granted AND mode = 'ExclusiveLock'
                           AND database = (SELECT oid FROM pg_database WHERE datname = current_database())) AS holders
                """).mapTo(Integer.class).one();
    }
}
