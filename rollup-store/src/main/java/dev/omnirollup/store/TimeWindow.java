package dev.omnirollup.store;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A window of time {@code [since, until]} in epoch milliseconds ({@code until} absent: no upper bound), and the one
 * rule that maps a window to buckets (see docs/windows.md): <b>a window counts the buckets that overlap it for a
 * positive length</b>. A bucket {@code [b, b + length)} counts when {@code b < until} and {@code b + length > since}
 * and {@code since < until}. Hence an edge inside a bucket counts that whole bucket, a bucket that starts exactly at
 * {@code until} does not count, and a window with {@code since >= until} counts nothing — all compared at
 * millisecond precision. Immutable, pure.
 *
 * @param sinceMilli inclusive start, epoch milliseconds
 * @param untilMilli end, epoch milliseconds, or empty for no upper bound
 */
public record TimeWindow(long sinceMilli, OptionalLong untilMilli) {

    public TimeWindow {
        Objects.requireNonNull(untilMilli, "untilMilli (OptionalLong.empty() for no upper bound)");
    }

    /** {@code [since, until]}, or {@code [since, ∞)} when {@code until} is empty (precision beyond ms dropped). */
    public static TimeWindow of(Instant since, Optional<Instant> until) {
        return new TimeWindow(since.toEpochMilli(),
                until.map(u -> OptionalLong.of(u.toEpochMilli())).orElse(OptionalLong.empty()));
    }

    /** {@code [since, ∞)}. */
    public static TimeWindow from(Instant since) {
        return of(since, Optional.empty());
    }

    /** No upper bound. */
    public boolean isOpen() {
        return untilMilli.isEmpty();
    }

    /** Counts no bucket at all: {@code since >= until}. */
    public boolean isEmpty() {
        return untilMilli.isPresent() && untilMilli.getAsLong() <= sinceMilli;
    }

    /** Start (epoch second) of the first bucket of {@code grain} the window counts: the one holding {@code since}. */
    public long firstBucket(Grain grain) {
        requireTimeGrain(grain);
        return grain.bucketOf(Math.floorDiv(sinceMilli, 1000));
    }

    /**
     * End (epoch second, exclusive) of the buckets of {@code grain} the window counts: the first bucket boundary at
     * or after {@code until}; {@link BucketPlan#OPEN} without an upper bound.
     */
    public long endBucket(Grain grain) {
        requireTimeGrain(grain);
        if (untilMilli.isEmpty()) {
            return BucketPlan.OPEN;
        }
        long until = untilMilli.getAsLong();
        long floor = grain.bucketOf(Math.floorDiv(until, 1000));
        return floor * 1000 == until ? floor : floor + grain.seconds();
    }

    private static void requireTimeGrain(Grain grain) {
        if (grain == Grain.TOTAL) {
            throw new IllegalArgumentException("a window has no buckets of grain TOTAL");
        }
    }
}
