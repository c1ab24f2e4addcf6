package dev.omnirollup.ingest;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jdbi.v3.core.Handle;

/**
 * Which ingest process consumes the streams: the one whose database session holds a PostgreSQL advisory lock keyed
 * by the rollup schema. The other processes stand by: their collectors fetch nothing, and one of them takes the lock
 * within a poll of the holder's session ending (a stopped or killed process, a lost connection). Several processes
 * consuming at once are still exactly once, as when a holder lost its connection and has not noticed yet; they are
 * only slower, since their batches interleave and wait for each other's row locks (docs/benchmarks.md, findings I4
 * and I6). {@link #always()} is the lease of a process that consumes whatever the others do. Thread-safe.
 */
final class IngestLease implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(IngestLease.class.getName());
    private static final String TRY = "SELECT pg_try_advisory_lock(hashtext('omni-rollup ingest'), hashtext(:schema))";
    private static final String CHECK = "SELECT 1";

    private final Supplier<Handle> sessions;
    private final String schema;
    private final ScheduledExecutorService poller;
    private Handle session; // the poller's only (and close's, after the poller stopped)
    private volatile boolean held;
    private volatile boolean closed;

    private IngestLease(Supplier<Handle> sessions, String schema, ScheduledExecutorService poller) {
        this.sessions = sessions;
        this.schema = schema;
        this.poller = poller;
    }

    /** The lease of a process that consumes whatever the others do: always held. */
    static IngestLease always() {
        IngestLease lease = new IngestLease(null, null, null);
        lease.held = true;
        return lease;
    }

    /**
     * Tries the lock now, then every {@code poll}: while standing by, to take it; while holding it, to notice a lost
     * session.
     *
     * @param sessions opens a database session of its own (closing the handle ends the session and frees the lock)
     */
    static IngestLease start(Supplier<Handle> sessions, String schema, Duration poll) {
        ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "ingest-lease");
            thread.setDaemon(true);
            return thread;
        });
        IngestLease lease = new IngestLease(sessions, schema, poller);
        try {
            poller.submit(lease::poll).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            throw new IllegalStateException("ingest lease: " + e.getCause().getMessage(), e.getCause());
        }
        if (!lease.held) {
            LOG.log(System.Logger.Level.INFO, "standing by: another ingest process consumes the streams of schema "
                    + schema + "; taking over when it stops");
        }
        poller.scheduleWithFixedDelay(lease::poll, poll.toMillis(), poll.toMillis(), TimeUnit.MILLISECONDS);
        return lease;
    }

    /** Whether this process consumes the streams now. */
    boolean held() {
        return held;
    }

    private void poll() {
        if (closed) {
            return;
        }
        try {
            if (session == null) {
                session = sessions.get();
            }
            if (held) {
                session.createQuery(CHECK).mapTo(Integer.class).one();
            } else if (session.createQuery(TRY).bind("schema", schema).mapTo(Boolean.class).one()) {
                held = true;
                LOG.log(System.Logger.Level.INFO, "active: this process consumes the streams of schema " + schema);
            }
        } catch (RuntimeException e) {
            if (held) {
                LOG.log(System.Logger.Level.WARNING, "lost the ingest lease (" + e.getMessage()
                        + "); standing by until the lock is free again");
            }
            held = false;
            closeSession();
        }
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

    /** Frees the lock (call once the workers have finished the batches in hand). */
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
        held = false;
        closeSession();
    }
}
