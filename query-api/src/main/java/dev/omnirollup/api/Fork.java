package dev.omnirollup.api;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

/**
 * Runs the independent reads of one request at the same time, each on a virtual thread (and so on its own pooled
 * connection), so a request takes about as long as its slowest read rather than the sum of them. Thread-safe.
 */
final class Fork {
    private static final ExecutorService THREADS = Executors.newVirtualThreadPerTaskExecutor();

    /** A read started in the background. */
    static final class Task<T> {
        private final Future<T> future;

        private Task(Future<T> future) {
            this.future = future;
        }

        /** Waits for the read; rethrows its exception as it was thrown. */
        T join() {
            try {
                return future.get();
            } catch (InterruptedException e) {
                future.cancel(true);
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for a read", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException runtime) {
                    throw runtime;
                }
                if (e.getCause() instanceof Error error) {
                    throw error;
                }
                throw new IllegalStateException(e.getCause());
            }
        }
    }

    private Fork() {
    }

    static <T> Task<T> start(Supplier<T> read) {
        return new Task<>(THREADS.submit(read::get));
    }
}
