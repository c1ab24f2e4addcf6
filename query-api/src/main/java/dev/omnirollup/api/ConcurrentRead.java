package dev.omnirollup.api;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

/**
 * A read started on a virtual thread of its own (and so on its own pooled connection) while the request goes on
 * with its other reads: a request whose reads are independent takes about as long as its slowest read rather than
 * the sum of them. Thread-safe.
 */
final class ConcurrentRead<T> {
    private static final ExecutorService THREADS = Executors.newVirtualThreadPerTaskExecutor();

    private final Future<T> future;

    private ConcurrentRead(Future<T> future) {
        this.future = future;
    }

    static <T> ConcurrentRead<T> start(Supplier<T> read) {
        return new ConcurrentRead<>(THREADS.submit(read::get));
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
