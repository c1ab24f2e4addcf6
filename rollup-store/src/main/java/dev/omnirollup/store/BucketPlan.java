package dev.omnirollup.store;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a time window into the fewest rollup buckets: minutes up to the first hour boundary, hours up to the first
 * day boundary, whole days, then hours and minutes to the end — at most 59 + 23 + D + 23 + 59 buckets for a window
 * holding D whole days. Minute buckets serve only edges inside the minute read horizon (the last 8 days); older
 * edges are served by hour buckets. Which buckets a window counts is {@link TimeWindow}'s rule (docs/windows.md):
 * those overlapping it for a positive length, so an edge inside a bucket counts that whole bucket and a bucket
 * starting exactly at {@code until} does not count. Pure.
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
     * @param window        the window; without an upper bound future buckets count, as upstream's
     *                      {@code received_at >= since} does
     * @param nowMilli      the request's clock, epoch milliseconds
     * @param minuteHorizon edges at most this old are served by minute buckets, older ones by hour buckets
     * @param coarsest      {@link Grain#HOUR} when hourly detail is needed (hourly timeline), else {@link Grain#DAY}
     * @return the segments, contiguous and ascending; empty when the window counts nothing
     */
    static List<Segment> of(TimeWindow window, long nowMilli, Duration minuteHorizon, Grain coarsest) {
        if (coarsest != Grain.HOUR && coarsest != Grain.DAY) {
            throw new IllegalArgumentException("coarsest grain must be HOUR or DAY, got " + coarsest);
        }
        List<Segment> plan = new ArrayList<>();
        if (window.isEmpty()) {
            return plan;
        }
        long minuteFrom = nowMilli - minuteHorizon.toMillis();
        long cur = window.firstBucket(window.sinceMilli() >= minuteFrom ? Grain.MINUTE : Grain.HOUR);
        long end = window.endBucket(window.isOpen() || window.untilMilli().getAsLong() >= minuteFrom
                ? Grain.MINUTE : Grain.HOUR);
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
