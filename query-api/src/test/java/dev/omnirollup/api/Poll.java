package dev.omnirollup.api;

import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Test support: waiting for something the test cannot be told about by asking again until a deadline, never by
 * waiting a fixed time. The only pause in the tests is here, between two attempts.
 */
final class Poll {
    private static final Duration PAUSE = Duration.ofMillis(50);

    private Poll() {
    }

    /** Returns once {@code condition} holds; fails with {@code what} when it does not within {@code timeout}. */
    static void until(Duration timeout, String what, BooleanSupplier condition) {
        until(timeout, () -> what, condition);
    }

    /** As {@link #until(Duration, String, BooleanSupplier)}, with the failure's text made when it fails. */
    static void until(Duration timeout, Supplier<String> what, BooleanSupplier condition) {
        first(timeout, what, () -> condition.getAsBoolean() ? Optional.of(Boolean.TRUE) : Optional.empty());
    }

    /** The first value {@code attempt} gives; fails with {@code what} when none comes within {@code timeout}. */
    static <T> T first(Duration timeout, Supplier<String> what, Supplier<Optional<T>> attempt) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<T> value = attempt.get();
            if (value.isPresent()) {
                return value.get();
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + timeout + ": " + what.get());
            }
            try {
                Thread.sleep(PAUSE); // between two attempts, not a guess at how long the condition takes
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for: " + what.get(), e);
            }
        }
    }
}
