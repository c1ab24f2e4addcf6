package dev.omnirollup.deploy;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * SIGINT/SIGTERM for a command that works day by day ({@code backfill}, {@code verify}): the signal asks the work to
 * stop before its next day, and the JVM waits up to 60 s for the day in hand to finish (a day that takes longer is
 * rolled back when the JVM exits). Open from before the work starts until {@link #close()} after it ends.
 */
final class GracefulStop implements AutoCloseable {
    private final AtomicBoolean requested = new AtomicBoolean();
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Thread hook;

    /** @param name the shutdown hook's thread name */
    GracefulStop(String name) {
        this.hook = new Thread(() -> {
            requested.set(true);
            try {
                finished.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, name);
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Whether a signal asked the work to stop. */
    boolean requested() {
        return requested.get();
    }

    /** The work has ended: a signal no longer waits for it, and none is listened for any more. */
    @Override
    public void close() {
        finished.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // shutting down: the hook is running
        }
    }
}
