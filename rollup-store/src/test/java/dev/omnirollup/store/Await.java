package dev.omnirollup.store;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waiting for a condition in a test instead of sleeping for a guessed time: the condition is polled until it holds
 * or the timeout has passed, which fails the test naming what did not happen. Used by the tests of rollup-store and
 * of the modules that have its test jar (ingest, deploy); query-api's tests have their own {@code Poll}.
 */
public final class Await {
    private static final Duration POLL = Duration.ofMillis(100);

    private Await() {
    }

    /** Returns as soon as {@code condition} holds; polls it every 100 ms. */
    public static void until(String description, Duration timeout, BooleanSupplier condition) {
        until(description, timeout, POLL, condition);
    }

    /** Returns as soon as {@code condition} holds, polling it every {@code poll}. */
    public static void until(String description, Duration timeout, Duration poll, BooleanSupplier condition) {
        until(description, timeout, poll, condition, () -> "");
    }

    /**
     * The same, and a timeout's failure also says what {@code state} describes then (what the condition saw), so
     * that a failure on a machine nobody can look at says which part of the condition never held.
     */
    public static void until(String description, Duration timeout, Duration poll, BooleanSupplier condition,
                             Supplier<String> state) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline >= 0) {
                String seen = state.get();
                throw new AssertionError("timed out after " + timeout + " waiting until " + description
                        + (seen.isEmpty() ? "" : "; " + seen));
            }
            try {
                Thread.sleep(poll); // the polling interval, not a guess at how long the condition takes
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting until " + description, e);
            }
        }
    }

    /**
     * A condition that holds once {@code condition} has been seen to hold on {@code times} polls in a row, for
     * states that can look settled for a moment before they are (a consumer between two deliveries).
     */
    public static BooleanSupplier steadily(int times, BooleanSupplier condition) {
        int[] inARow = {0};
        return () -> {
            inARow[0] = condition.getAsBoolean() ? inARow[0] + 1 : 0;
            return inARow[0] >= times;
        };
    }
}
