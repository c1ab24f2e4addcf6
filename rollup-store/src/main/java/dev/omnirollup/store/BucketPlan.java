package dev.omnirollup.store;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * Cuts a time window into the fewest rollup buckets: minutes up to the first hour boundary, hours up to the first
 * day boundary, whole days, then hours and minutes to the end — at most 59 + 23 + D + 23 + 59 buckets for a window
 * holding D whole days. Minute buckets are used only for edges inside the minute read horizon (the last 8 days);
 * older edges round to the hour. An edge inside a bucket counts that whole bucket (DESIGN §4). Pure.
 */
final class BucketPlan {
    /** No upper bound. */
    static final long OPEN = Long.MAX_VALUE;

    /** A run of buckets of one grain, {@code [from, to)} in epoch seconds ({@code to} may be {@link #OPEN}). */
    record Segment(Grain grain, long from, long to) {
        boolean isOpen() {
            return to == OPEN;
        }
    }

    private BucketPlan() {
    }

    /**
     * @param startSecond   inclusive start of the window
     * @param endSecond     inclusive end, or empty for no upper bound (future buckets count, as upstream's
     *                      {@code received_at >= since} does)
     * @param nowSecond     the request's clock
     * @param minuteHorizon edges at most this old use minute buckets
     * @param coarsest      {@link Grain#HOUR} when hourly detail is needed (hourly timeline), else {@link Grain#DAY}
     */
    static List<Segment> of(long startSecond, OptionalLong endSecond, long nowSecond, Duration minuteHorizon,
                            Grain coarsest) {
        if (coarsest != Grain.HOUR && coarsest != Grain.DAY) {
            throw new IllegalArgumentException("coarsest grain must be HOUR or DAY, got " + coarsest);
        }
        List<Segment> plan = new ArrayList<>();
        if (endSecond.isPresent() && endSecond.getAsLong() < startSecond) {
            return plan;
        }
        long minuteFrom = nowSecond - minuteHorizon.toSeconds();
        Grain startGrain = startSecond >= minuteFrom ? Grain.MINUTE : Grain.HOUR;
        long cur = startGrain.bucketOf(startSecond);
        long end = OPEN;
        if (endSecond.isPresent()) {
            long until = endSecond.getAsLong();
            Grain endGrain = until >= minuteFrom ? Grain.MINUTE : Grain.HOUR;
            end = endGrain.bucketOf(until) + endGrain.seconds();
        }
        cur = add(plan, Grain.MINUTE, cur, Math.min(end, Grain.HOUR.ceil(cur)));
        if (coarsest == Grain.DAY) {
            cur = add(plan, Grain.HOUR, cur, Math.min(floor(Grain.HOUR, end), Grain.DAY.ceil(cur)));
            cur = add(plan, Grain.DAY, cur, floor(Grain.DAY, end));
        }
        cur = add(plan, Grain.HOUR, cur, floor(Grain.HOUR, end));
        add(plan, Grain.MINUTE, cur, end);
        return plan;
    }

    private static long floor(Grain grain, long second) {
        return second == OPEN ? OPEN : grain.bucketOf(second);
    }

    private static long add(List<Segment> plan, Grain grain, long from, long to) {
        if (to > from) {
            plan.add(new Segment(grain, from, to));
            return to;
        }
        return from;
    }
}
