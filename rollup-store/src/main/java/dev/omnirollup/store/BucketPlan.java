package dev.omnirollup.store;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a time window into runs of rollup buckets: minutes up to the first hour boundary, hours up to the first
 * day boundary, whole days, then hours and minutes to the end — at most 59 + 23 + D + 23 + 59 buckets for a window
 * holding D whole days. Minute buckets serve only edges inside the minute read horizon (the last 8 days); older
 * edges are served by hour buckets ({@link #of}); {@link #fewestRows} reads the same buckets with edges netted
 * (a coarser bucket minus finer ones). Which buckets a window counts is {@link TimeWindow}'s rule (docs/windows.md):
 * those overlapping it for a positive length, so an edge inside a bucket counts that whole bucket and a bucket
 * starting exactly at {@code until} does not count. Pure.
 */
final class BucketPlan {
    /** No upper bound. */
    static final long OPEN = Long.MAX_VALUE;

    /**
     * A run of buckets of one grain, {@code [from, to)} in epoch seconds ({@code to} may be {@link #OPEN}), added to
     * the answer or, when {@code negative}, taken from it.
     */
    record Segment(Grain grain, long from, long to, boolean negative) {
        /** A run added to the answer. */
        Segment(Grain grain, long from, long to) {
            this(grain, from, to, false);
        }

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

    /**
     * The same buckets as {@link #of} in fewer rows: an edge run of finer buckets that fills more than half of its
     * coarser bucket is read as that coarser bucket minus the finer buckets outside the window — 10:10 to 11:00 as
     * the hour 10:00 minus the minutes 10:00 to 10:10, eleven rows instead of fifty. Every coarser row is the sum of
     * its finer rows (every write adds to all grains in one transaction), so the answer is the same; the minutes
     * taken away lie inside the minute read horizon like the ones they replace. An edge run reads at most half its
     * coarser bucket plus one row: the default 24 h window at most 30 + 12 + 2 rows instead of 59 + 23 + 1.
     * The runs stay in the order minutes, hours, days, hours, minutes, one run per position.
     *
     * @param nowMilli      the request's clock, epoch milliseconds
     * @param minuteHorizon edges at most this old are served by minute buckets
     * @param coarsest      as for {@link #of}: no day rows when {@link Grain#HOUR}
     */
    static List<Segment> fewestRows(TimeWindow window, long nowMilli, Duration minuteHorizon, Grain coarsest) {
        List<Segment> plan = new ArrayList<>(of(window, nowMilli, minuteHorizon, coarsest));
        long minuteFrom = Math.floorDiv(nowMilli - minuteHorizon.toMillis() + 999, 1000);
        netFarEdge(plan, Grain.MINUTE, Grain.HOUR, minuteFrom);
        netNearEdge(plan, Grain.MINUTE, Grain.HOUR);
        if (coarsest == Grain.DAY) {
            netFarEdge(plan, Grain.HOUR, Grain.DAY, Long.MIN_VALUE);
            netNearEdge(plan, Grain.HOUR, Grain.DAY);
        }
        return List.copyOf(plan);
    }

    /**
     * Reads the far edge's run of {@code fine} buckets, when it runs up to the end of its {@code coarse} bucket, as
     * that coarse bucket minus the fine buckets before the window, if that is fewer rows (and those start at or after
     * {@code fineFrom}).
     */
    private static void netFarEdge(List<Segment> plan, Grain fine, Grain coarse, long fineFrom) {
        int i = edge(plan, fine, 0, 1);
        if (i < 0) {
            return;
        }
        Segment run = plan.get(i);
        long start = coarse.bucketOf(run.from());
        if (run.isOpen() || run.to() != start + coarse.seconds() || start < fineFrom
                || 1 + (run.from() - start) / fine.seconds() >= (run.to() - run.from()) / fine.seconds()) {
            return;
        }
        Segment whole = new Segment(coarse, start, run.to());
        if (i + 1 < plan.size() && isRunOf(plan.get(i + 1), coarse) && plan.get(i + 1).from() == run.to()) {
            whole = new Segment(coarse, start, plan.remove(i + 1).to());
        }
        plan.set(i, whole);
        if (run.from() > start) {
            plan.add(i, new Segment(fine, start, run.from(), true));
        }
    }

    /**
     * Reads the near edge's run of {@code fine} buckets, when it starts at the start of its {@code coarse} bucket, as
     * that coarse bucket minus the fine buckets after the window, if that is fewer rows.
     */
    private static void netNearEdge(List<Segment> plan, Grain fine, Grain coarse) {
        int i = edge(plan, fine, plan.size() - 1, -1);
        if (i < 0) {
            return;
        }
        Segment run = plan.get(i);
        if (run.isOpen()) {
            return;
        }
        long end = coarse.ceil(run.to());
        if (!coarse.isAligned(run.from()) || end != run.from() + coarse.seconds()
                || 1 + (end - run.to()) / fine.seconds() >= (run.to() - run.from()) / fine.seconds()) {
            return;
        }
        Segment whole = new Segment(coarse, run.from(), end);
        if (i > 0 && isRunOf(plan.get(i - 1), coarse) && plan.get(i - 1).to() == run.from()) {
            whole = new Segment(coarse, plan.remove(i - 1).from(), end);
            i--;
        }
        plan.set(i, whole);
        if (end > run.to()) {
            plan.add(i + 1, new Segment(fine, run.to(), end, true));
        }
    }

    /**
     * The index of an edge's run of {@code grain}: walking from {@code start} in {@code step}, the first run added to
     * the answer that is not finer than {@code grain}, if it is of {@code grain}; else -1.
     */
    private static int edge(List<Segment> plan, Grain grain, int start, int step) {
        for (int i = start; i >= 0 && i < plan.size(); i += step) {
            Segment segment = plan.get(i);
            if (!segment.negative() && segment.grain().seconds() >= grain.seconds()) {
                return segment.grain() == grain ? i : -1;
            }
        }
        return -1;
    }

    private static boolean isRunOf(Segment segment, Grain grain) {
        return !segment.negative() && segment.grain() == grain;
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
