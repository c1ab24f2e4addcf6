package dev.omnirollup.deploy;

import dev.omnirollup.store.RootCause;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What a long-running command has started, stopped in reverse order on SIGINT/SIGTERM (or {@link #stop()}).
 * Each component is closed once; a failure to close one is logged and the others are still closed.
 */
final class Lifecycle {
    private static final Logger LOG = Logger.getLogger(Lifecycle.class.getName());

    private final String name;
    private final Deque<Component> components = new ArrayDeque<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Thread hook;
    private boolean stopping;

    private record Component(String name, AutoCloseable closeable) {
    }

    /** @param name what runs, for the log lines {@code omni-rollup <name> stopping} and {@code … stopped} */
    Lifecycle(String name) {
        this.name = name;
        this.hook = new Thread(this::stop, "omni-rollup-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Registers something to close at shutdown (closed before everything registered earlier). */
    <T extends AutoCloseable> T add(String name, T closeable) {
        synchronized (this) {
            if (stopping) {
                closeQuietly(new Component(name, closeable));
                throw new IllegalStateException("shutting down");
            }
            components.push(new Component(name, closeable));
        }
        return closeable;
    }

    /** Blocks until the process is asked to stop and everything is closed. */
    void awaitStop() throws InterruptedException {
        stopped.await();
    }

    /** Closes everything, newest first. Idempotent; safe from the shutdown hook. */
    void stop() {
        synchronized (this) {
            if (stopping) {
                return;
            }
            stopping = true;
        }
        // logged here, not by the command's thread: the JVM halts as soon as the shutdown hooks return
        LOG.info(() -> "omni-rollup " + name + " stopping");
        try {
            Component component;
            while ((component = poll()) != null) {
                closeQuietly(component);
            }
        } finally {
            LOG.info(() -> "omni-rollup " + name + " stopped" + (name.equals("demo") ? "; temporary data removed" : ""));
            stopped.countDown();
        }
    }

    /** Stops without waiting for a signal, e.g. after a failed start; unregisters the hook. */
    void abort() {
        synchronized (this) {
            if (stopping) {
                return;
            }
            stopping = true;
        }
        Component component;
        while ((component = poll()) != null) {
            closeQuietly(component);
        }
        stopped.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down
        }
    }

    private synchronized Component poll() {
        return components.poll();
    }

    private static void closeQuietly(Component component) {
        try {
            component.closeable().close();
        } catch (Exception e) {
            LOG.log(Level.WARNING, "stopping " + component.name() + " failed: " + RootCause.message(e), e);
        }
    }
}
