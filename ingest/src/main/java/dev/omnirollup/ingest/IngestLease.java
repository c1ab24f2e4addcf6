package dev.omnirollup.ingest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.IntPredicate;
import java.util.function.Supplier;
import dev.omnirollup.store.Partitioning;
import org.jdbi.v3.core.Handle;

/**
 * Which ingest partitions this process consumes: those whose PostgreSQL advisory lock (keyed by the rollup schema and
 * the partition) its database session holds. Every process registers itself with a shared lock, and holds at most
 * its share of the partitions, {@code ceil(partitions / processes)}: it gives back the ones beyond its share (once their
 * workers have applied the batches they had in hand) and takes
 * free ones up to it, once a poll. So one process consumes every partition, two split them, and a process beyond the
 * number of partitions stands by; when a process ends (stopped, killed, a lost connection) its locks go with its
 * session and the others take its partitions within a poll.
 *
 * <p>Processes must agree on the number of partitions: each partition keeps its own exactly-once record, and a
 * message is another partition's under another count. So every process also holds a shared lock on its count, and a
 * process takes no partition while a process with another count is running; one that already consumes keeps its
 * partitions until it ends, so a change of count rolls over as its processes are replaced.
 *
 * <p>Several processes consuming the same partition are still exactly once, as when a holder lost its connection and
 * has not noticed yet; they are only slower (their batches wait for each other's row locks). {@link #always} is the
 * lease of a process that consumes every partition whatever the others do. Thread-safe.
 */
final class IngestLease implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(IngestLease.class.getName());
    private static final String TAKE = "SELECT pg_try_advisory_lock(hashtext('omni-rollup ingest'), hashtext(:key))";
    private static final String GIVE_BACK = "SELECT pg_advisory_unlock(hashtext('omni-rollup ingest'), hashtext(:key))";
    private static final String REGISTER = """
            SELECT 1 FROM (SELECT pg_advisory_lock_shared(hashtext('omni-rollup members'), hashtext(:schema)),
                   pg_advisory_lock_shared(hashtext('omni-rollup partitions ' || :schema), :count)) AS registered
            """;
    /**
     * Processes registered for the schema, and those that consume with another number of partitions: registered
     * with another number, or holding partition 0's lock without being registered (a version from before partitions,
     * which consumes everything).
     */
    private static final String CENSUS = """
            WITH advisory AS (
                SELECT classid, objid, pid FROM pg_locks
                 WHERE locktype = 'advisory' AND granted AND objsubid = 2
                   AND database = (SELECT oid FROM pg_database WHERE datname = current_database())),
            members AS (
                SELECT pid FROM advisory
                 WHERE classid = hashtext('omni-rollup members')::oid AND objid = hashtext(:schema)::oid)
            SELECT (SELECT count(*) FROM members),
                   (SELECT count(*) FROM advisory
                     WHERE classid = hashtext('omni-rollup partitions ' || :schema)::oid AND objid <> (:count)::oid)
                 + (SELECT count(*) FROM advisory
                     WHERE classid = hashtext('omni-rollup ingest')::oid AND objid = hashtext(:schema)::oid
                       AND pid NOT IN (SELECT pid FROM members))
            """;

    private static final int FREE = 0;
    private static final int HELD = 1;
    private static final int RELEASING = 2;
    /** How long a partition given back may keep its lock while its workers finish the batches in hand. */
    private static final long RELEASE_LIMIT_NANOS = Duration.ofSeconds(60).toNanos();

    private final Supplier<Handle> sessions;
    private final String schema;
    private final int partitions;
    private final ScheduledExecutorService poller;
    /** Per partition: {@link #FREE}, {@link #HELD}, or {@link #RELEASING} (locked, not consumed, in-hand batches). */
    private final AtomicIntegerArray held;
    private final IntPredicate drained;
    private final long[] releasingSince;
    private final int firstTried;
    private Handle session; // the poller's only (and close's, after the poller stopped)
    private volatile boolean closed;
    private volatile boolean otherCount = true;
    private boolean warnedOfOtherCount;

    private IngestLease(Supplier<Handle> sessions, String schema, int partitions, IntPredicate drained,
                        ScheduledExecutorService poller) {
        this.sessions = sessions;
        this.drained = drained;
        this.releasingSince = new long[partitions];
        this.schema = schema;
        this.partitions = partitions;
        this.poller = poller;
        this.held = new AtomicIntegerArray(partitions);
        this.firstTried = ThreadLocalRandom.current().nextInt(partitions);
    }

    /** The lease of a process that consumes every partition whatever the others do. */
    static IngestLease always(int partitions) {
        IngestLease lease = new IngestLease(null, null, partitions, p -> true, null);
        for (int p = 0; p < partitions; p++) {
            lease.held.set(p, HELD);
        }
        return lease;
    }

    /**
     * Polls now, then every {@code poll}: to take or give back partitions, and to notice a lost session.
     *
     * @param sessions opens a database session of its own (closing the handle ends the session and frees the locks)
     * @param drained  whether the workers of a partition this process stopped consuming have applied and acked the
     *                 batches they had in hand: only then is its lock given back, so that the next holder does not
     *                 wait on their row locks
     */
    static IngestLease start(Supplier<Handle> sessions, String schema, int partitions, IntPredicate drained,
                             Duration poll) {
        ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "ingest-lease");
            thread.setDaemon(true);
            return thread;
        });
        IngestLease lease = new IngestLease(sessions, schema, partitions, drained, poller);
        try {
            poller.submit(lease::poll).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            throw new IllegalStateException("ingest lease: " + e.getCause().getMessage(), e.getCause());
        }
        if (lease.heldCount() == 0) {
            LOG.log(System.Logger.Level.INFO, "standing by: other ingest processes consume the partitions of schema "
                    + schema + "; taking over when one stops");
        }
        poller.scheduleWithFixedDelay(lease::poll, poll.toMillis(), poll.toMillis(), TimeUnit.MILLISECONDS);
        return lease;
    }

    /**
     * Whether this process consumes a partition and, at its last poll, no process with another number of partitions
     * ran. Never so for {@link #always}, which knows nothing of the other processes.
     */
    boolean consumesAlone() {
        return heldCount() > 0 && !otherCount;
    }

    /** Whether this process consumes the partition now. */
    boolean holds(int partition) {
        return held.get(partition) == HELD;
    }

    /** How many partitions this process consumes now. */
    int heldCount() {
        return heldPartitions().size();
    }

    /** The partitions this process consumes now. */
    List<Integer> heldPartitions() {
        List<Integer> list = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            if (holds(p)) {
                list.add(p);
            }
        }
        return list;
    }

    private void poll() {
        if (closed) {
            return;
        }
        try {
            if (session == null) {
                session = sessions.get();
                session.createQuery(REGISTER).bind("schema", schema).bind("count", partitions).mapTo(Integer.class).one();
            }
            long[] census = session.createQuery(CENSUS).bind("schema", schema).bind("count", partitions)
                    .map((rs, ctx) -> new long[] {rs.getLong(1), rs.getLong(2)}).one();
            int share = (int) Math.ceilDiv(partitions, Math.max(1, census[0]));
            int holding = heldCount();
            for (int i = partitions - 1; i >= 0 && holding > share; i--) {
                int p = (firstTried + i) % partitions;
                if (holds(p)) {
                    held.set(p, RELEASING); // the workers stop fetching; the lock goes once they are drained
                    releasingSince[p] = System.nanoTime();
                    holding--;
                    LOG.log(System.Logger.Level.INFO, "giving partition " + p + " of " + partitions + " back ("
                            + census[0] + " processes share " + partitions + " partitions)");
                }
            }
            for (int p = 0; p < partitions; p++) {
                if (held.get(p) == RELEASING && (drained.test(p)
                        || System.nanoTime() - releasingSince[p] > RELEASE_LIMIT_NANOS)) {
                    session.createQuery(GIVE_BACK).bind("key", key(p)).mapTo(Boolean.class).one();
                    held.set(p, FREE);
                }
            }
            otherCount = census[1] > 0;
            if (otherCount) {
                if (!warnedOfOtherCount) {
                    LOG.log(System.Logger.Level.WARNING, "an ingest process with another ingest-partitions than "
                            + partitions + " (or of a version without partitions) runs on schema " + schema
                            + "; taking no partition until it ends");
                    warnedOfOtherCount = true;
                }
                return;
            }
            warnedOfOtherCount = false;
            for (int i = 0; i < partitions && holding < share; i++) {
                int p = (firstTried + i) % partitions;
                // never a partition whose lock this session still holds: advisory locks count re-entries
                if (held.get(p) == FREE && session.createQuery(TAKE).bind("key", key(p)).mapTo(Boolean.class)
                        .one()) {
                    held.set(p, HELD);
                    holding++;
                    LOG.log(System.Logger.Level.INFO, "active: this process consumes partition " + p + " of "
                            + partitions + " of schema " + schema);
                }
            }
        } catch (RuntimeException e) {
            if (heldCount() > 0) {
                LOG.log(System.Logger.Level.WARNING, "lost the ingest lease (" + e.getMessage()
                        + "); standing by until the locks are free again");
            }
            for (int p = 0; p < partitions; p++) {
                held.set(p, FREE);
            }
            closeSession();
        }
    }

    /** The lock of a partition; partition 0's is the lock of an unpartitioned ingest. */
    private String key(int partition) {
        return Partitioning.named(schema, partition);
    }

    private void closeSession() {
        if (session != null) {
            try {
                session.close();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "closing the lease session: " + e.getMessage());
            }
            session = null;
        }
    }

    /** Frees the locks (call once the workers have finished the batches in hand). */
    @Override
    public void close() {
        if (poller == null) {
            return;
        }
        closed = true;
        poller.shutdown();
        try {
            poller.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (int p = 0; p < partitions; p++) {
            held.set(p, FREE);
        }
        closeSession();
    }
}
