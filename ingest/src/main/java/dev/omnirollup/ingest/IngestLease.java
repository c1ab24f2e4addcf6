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
 * the partition) its database session holds. Every process registers itself and its number of partitions with shared
 * locks, and holds at most its share of the partitions, {@code ceil(partitions / processes with that number)}: it
 * gives back the ones beyond its share (once their workers have applied the batches they had in hand) and takes free
 * ones up to it, once a poll. So one process consumes every partition, two split them, and a process beyond the
 * number of partitions stands by; when a process ends (stopped, killed, a lost connection) its locks go with its
 * session and the others take its partitions within a poll.
 *
 * <p>Processes must agree on the number of partitions: each partition keeps its own exactly-once record, and a
 * message is another partition's under another count. So a process consumes only once admitted: in a transaction
 * that holds the schema's admission lock, it finds no process consuming with another count and takes a shared lock on
 * its own, which it keeps until it stands by again. Processes with the running count go on taking partitions; one
 * with another count waits until every process with the running count stands by or ends, so a change of count rolls
 * over as its processes are replaced, and two processes standing by with different counts never keep each other
 * out. Every process also registers its count, so that one that consumes alone knows it (and deletes the consumers
 * of other counts).
 *
 * <p>Several processes consuming the same partition are still exactly once, as when a holder lost its connection and
 * has not noticed yet; they are only slower (their batches wait for each other's row locks). A {@link #shared} lease
 * takes no partition lock: its process consumes every partition, beside any others with the same number of
 * partitions, and still takes none while a process with another number runs. Thread-safe.
 */
final class IngestLease implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(IngestLease.class.getName());
    private static final String TAKE = "SELECT pg_try_advisory_lock(hashtext('omni-rollup ingest'), hashtext(:key))";
    private static final String GIVE_BACK = "SELECT pg_advisory_unlock(hashtext('omni-rollup ingest'), hashtext(:key))";
    private static final String REGISTER = """
            SELECT 1 FROM (SELECT pg_advisory_lock_shared(hashtext('omni-rollup members'), hashtext(:schema)),
                   pg_advisory_lock_shared(hashtext('omni-rollup partitions ' || :schema), :count)) AS registered
            """;
    /** The granted advisory locks of the database, the registered processes, and unregistered lease holders. */
    private static final String LOCKS = """
            WITH advisory AS (
                SELECT classid, objid, pid FROM pg_locks
                 WHERE locktype = 'advisory' AND granted AND objsubid = 2
                   AND database = (SELECT oid FROM pg_database WHERE datname = current_database())),
            members AS (
                SELECT pid FROM advisory
                 WHERE classid = hashtext('omni-rollup members')::oid AND objid = hashtext(:schema)::oid),
            unregistered AS (
                SELECT pid FROM advisory
                 WHERE classid = hashtext('omni-rollup ingest')::oid AND objid = hashtext(:schema)::oid
                   AND pid NOT IN (SELECT pid FROM members))
            """;
    /**
     * Processes registered for the schema with this number of partitions (who share them out), and those with another
     * number: registered with another number, or holding partition 0's lock without being registered (a version from
     * before partitions, which consumes everything).
     */
    private static final String CENSUS = LOCKS + """
            SELECT (SELECT count(*) FROM advisory
                     WHERE classid = hashtext('omni-rollup partitions ' || :schema)::oid AND objid = (:count)::oid),
                   (SELECT count(*) FROM advisory
                     WHERE classid = hashtext('omni-rollup partitions ' || :schema)::oid AND objid <> (:count)::oid)
                 + (SELECT count(*) FROM unregistered)
            """;
    /** Processes that consume with another number of partitions (a version from before partitions included). */
    private static final String CONSUMING_OTHERWISE = LOCKS + """
            SELECT (SELECT count(*) FROM advisory
                     WHERE classid = hashtext('omni-rollup consuming ' || :schema)::oid AND objid <> (:count)::oid)
                 + (SELECT count(*) FROM unregistered)
            """;
    /** Held by the transaction that decides whether this process may consume, so that two do not decide at once. */
    private static final String ADMISSION =
            "SELECT 1 FROM (SELECT pg_advisory_xact_lock(hashtext('omni-rollup admission'), hashtext(:schema))) AS a";
    private static final String CONSUME = "SELECT 1 FROM (SELECT pg_advisory_lock_shared("
            + "hashtext('omni-rollup consuming ' || :schema), :count)) AS c";
    private static final String STOP_CONSUMING =
            "SELECT pg_advisory_unlock_shared(hashtext('omni-rollup consuming ' || :schema), :count)";

    private static final int FREE = 0;
    private static final int HELD = 1;
    private static final int RELEASING = 2;
    /** How long a partition given back may keep its lock while its workers finish the batches in hand. */
    private static final long RELEASE_LIMIT_NANOS = Duration.ofSeconds(60).toNanos();

    private final Supplier<Handle> sessions;
    private final String schema;
    private final int partitions;
    /** Whether partitions are taken under their locks (false: every partition, beside the other processes). */
    private final boolean exclusive;
    private final ScheduledExecutorService poller;
    /** Per partition: {@link #FREE}, {@link #HELD}, or {@link #RELEASING} (locked, not consumed, in-hand batches). */
    private final AtomicIntegerArray held;
    private final IntPredicate drained;
    private final long[] releasingSince;
    private final int firstTried;
    private Handle session; // the poller's only (and close's, after the poller stopped)
    private volatile boolean closed;
    private volatile boolean otherCount = true;
    /** Whether this session holds the shared lock of processes consuming with this number of partitions. */
    private boolean consuming;
    private boolean warnedOfOtherCount;

    private IngestLease(Supplier<Handle> sessions, String schema, int partitions, boolean exclusive,
                        IntPredicate drained, ScheduledExecutorService poller) {
        this.sessions = sessions;
        this.exclusive = exclusive;
        this.drained = drained;
        this.releasingSince = new long[partitions];
        this.schema = schema;
        this.partitions = partitions;
        this.poller = poller;
        this.held = new AtomicIntegerArray(partitions);
        this.firstTried = ThreadLocalRandom.current().nextInt(partitions);
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
        return begin(sessions, schema, partitions, true, drained, poll);
    }

    /**
     * The lease of a process that consumes every partition beside the other processes (no partition lock), while no
     * process with another number of partitions runs; polls like {@link #start}.
     */
    static IngestLease shared(Supplier<Handle> sessions, String schema, int partitions, Duration poll) {
        return begin(sessions, schema, partitions, false, p -> true, poll);
    }

    private static IngestLease begin(Supplier<Handle> sessions, String schema, int partitions, boolean exclusive,
                                     IntPredicate drained, Duration poll) {
        ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "ingest-lease");
            thread.setDaemon(true);
            return thread;
        });
        IngestLease lease = new IngestLease(sessions, schema, partitions, exclusive, drained, poller);
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
     * ran.
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
            int share = exclusive ? (int) Math.ceilDiv(partitions, Math.max(1, census[0])) : partitions;
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
            if (holding < share && !consuming) {
                consuming = admitted();
                if (!consuming && !warnedOfOtherCount) {
                    LOG.log(System.Logger.Level.WARNING, "an ingest process with another ingest-partitions than "
                            + partitions + " (or of a version without partitions) consumes on schema " + schema
                            + "; taking no partition until it ends");
                }
                warnedOfOtherCount = !consuming;
            }
            for (int i = 0; i < partitions && holding < share && consuming; i++) {
                int p = (firstTried + i) % partitions;
                // never a partition whose lock this session still holds: advisory locks count re-entries
                if (held.get(p) == FREE && (!exclusive || session.createQuery(TAKE).bind("key", key(p))
                        .mapTo(Boolean.class).one())) {
                    held.set(p, HELD);
                    holding++;
                    LOG.log(System.Logger.Level.INFO, "active: this process consumes partition " + p + " of "
                            + partitions + " of schema " + schema);
                }
            }
            if (consuming && allFree()) { // standing by: a process with another number may start
                session.createQuery(STOP_CONSUMING).bind("schema", schema).bind("count", partitions)
                        .mapTo(Boolean.class).one();
                consuming = false;
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

    /**
     * Whether this process may consume with its number of partitions: no process with another number consumes.
     * Once admitted it holds a shared lock on its number until it stands by again, which keeps processes with
     * another number out.
     */
    private boolean admitted() {
        return session.inTransaction(tx -> {
            tx.createQuery(ADMISSION).bind("schema", schema).mapTo(Integer.class).one();
            long others = tx.createQuery(CONSUMING_OTHERWISE).bind("schema", schema).bind("count", partitions)
                    .mapTo(Long.class).one();
            if (others > 0) {
                return false;
            }
            tx.createQuery(CONSUME).bind("schema", schema).bind("count", partitions).mapTo(Integer.class).one();
            return true;
        });
    }

    private boolean allFree() {
        for (int p = 0; p < partitions; p++) {
            if (held.get(p) != FREE) {
                return false;
            }
        }
        return true;
    }

    /** The lock of a partition; partition 0's is the lock of an unpartitioned ingest. */
    private String key(int partition) {
        return Partitioning.named(schema, partition);
    }

    private void closeSession() {
        consuming = false; // the session's locks go with it
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
