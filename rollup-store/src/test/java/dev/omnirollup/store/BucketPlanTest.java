package dev.omnirollup.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omnirollup.store.BucketPlan.Segment;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BucketPlanTest {
    private static final Duration HORIZON = Duration.ofDays(8);
    private static final long NOW = 1_764_100_000_000L;

    private static Instant t(String instant) {
        return Instant.parse(instant);
    }

    private static List<Segment> plan(String since, String until, String now, Grain coarsest) {
        return BucketPlan.of(TimeWindow.of(t(since), Optional.of(t(until))), t(now).toEpochMilli(), HORIZON, coarsest);
    }

    private static Segment segment(Grain grain, String from, String to) {
        return new Segment(grain, t(from).getEpochSecond(), t(to).getEpochSecond());
    }

    @Test
    void segmentsTileExactlyTheBucketsOverlappingTheWindow() {
        Random random = new Random(1);
        for (int i = 0; i < 20_000; i++) {
            // edges anywhere (to the millisecond), or on a minute, hour or day boundary
            long start = align(random, NOW - random.nextLong(40L * 86_400_000));
            boolean open = random.nextInt(4) == 0;
            long end = align(random, start + random.nextLong(20L * 86_400_000) - random.nextLong(2) * 1_000);
            Grain coarsest = random.nextBoolean() ? Grain.DAY : Grain.HOUR;
            TimeWindow window = new TimeWindow(start, open ? OptionalLong.empty() : OptionalLong.of(end));
            List<Segment> plan = BucketPlan.of(window, NOW, HORIZON, coarsest);
            if (!open && end <= start) {
                assertTrue(plan.isEmpty(), "since >= until counts nothing: " + plan);
                continue;
            }
            long horizon = NOW - HORIZON.toMillis();
            Grain startGrain = start >= horizon ? Grain.MINUTE : Grain.HOUR;
            long cursor = startGrain.bucketOf(Math.floorDiv(start, 1000));
            for (Segment segment : plan) {
                assertEquals(cursor, segment.from(), "contiguous");
                assertTrue(segment.grain().isAligned(segment.from()), "aligned start " + segment);
                assertTrue(segment.isOpen() || segment.grain().isAligned(segment.to()), "aligned end " + segment);
                assertTrue(coarsest == Grain.DAY || segment.grain() != Grain.DAY, "no days for hourly detail");
                if (segment.grain() == Grain.MINUTE) {
                    // at most an hour before the read horizon, well inside the 9-day minute retention
                    assertTrue(segment.from() >= Grain.HOUR.bucketOf(horizon / 1000), "minutes kept");
                }
                cursor = segment.to();
            }
            if (open) {
                assertEquals(BucketPlan.OPEN, cursor);
            } else {
                // the last bucket counted starts before until; the next one starts at or after until
                Grain endGrain = end >= horizon ? Grain.MINUTE : Grain.HOUR;
                assertTrue(cursor * 1000 >= end && (cursor - endGrain.seconds()) * 1000 < end,
                        "ends at the first " + endGrain + " boundary at or after until: " + plan);
            }
            assertTrue(buckets(plan) <= 59 + 23 + 20 + 1 + 23 + 59 + (coarsest == Grain.HOUR ? 20 * 24 : 0),
                    "bounded: " + plan);
        }
    }

    private static long align(Random random, long milli) {
        return switch (random.nextInt(4)) {
            case 0 -> milli;
            case 1 -> Math.floorDiv(milli, 60_000) * 60_000;
            case 2 -> Math.floorDiv(milli, 3_600_000) * 3_600_000;
            default -> Math.floorDiv(milli, 86_400_000) * 86_400_000;
        };
    }

    @Test
    void aDefaultWindowReadsAtMostAHundredBuckets() {
        for (long now = NOW; now < NOW + 86_400_000; now += 37_001) {
            long buckets = buckets(BucketPlan.of(new TimeWindow(now - 86_400_000, OptionalLong.empty()), now, HORIZON,
                    Grain.DAY));
            assertTrue(buckets <= 59 + 23 + 1, "buckets " + buckets);
        }
    }

    @Test
    void aBucketStartingAtUntilIsNotCounted() {
        // two days of hours inside the minute horizon: 48 hours, not the hour starting at until
        assertEquals(List.of(segment(Grain.HOUR, "2026-11-29T06:00:00Z", "2026-12-01T06:00:00Z")),
                plan("2026-11-29T06:00:00Z", "2026-12-01T06:00:00Z", "2026-12-01T09:23:00Z", Grain.HOUR));
        assertEquals(List.of(segment(Grain.HOUR, "2026-11-29T06:00:00Z", "2026-11-30T00:00:00Z"),
                        segment(Grain.DAY, "2026-11-30T00:00:00Z", "2026-12-01T00:00:00Z"),
                        segment(Grain.HOUR, "2026-12-01T00:00:00Z", "2026-12-01T06:00:00Z")),
                plan("2026-11-29T06:00:00Z", "2026-12-01T06:00:00Z", "2026-12-01T09:23:00Z", Grain.DAY));
        // a minute-aligned until inside the horizon ends at that minute
        assertEquals(List.of(segment(Grain.MINUTE, "2026-12-01T05:17:00Z", "2026-12-01T05:43:00Z")),
                plan("2026-12-01T05:17:00Z", "2026-12-01T05:43:00Z", "2026-12-01T09:23:00Z", Grain.DAY));
    }

    @Test
    void aDayAlignedWindowOlderThanTheHorizonReadsExactlyThatDay() {
        assertEquals(List.of(segment(Grain.DAY, "2026-11-21T00:00:00Z", "2026-11-22T00:00:00Z")),
                plan("2026-11-21T00:00:00Z", "2026-11-22T00:00:00Z", "2026-12-01T09:23:00Z", Grain.DAY));
        assertEquals(List.of(segment(Grain.HOUR, "2026-11-21T00:00:00Z", "2026-11-22T00:00:00Z")),
                plan("2026-11-21T00:00:00Z", "2026-11-22T00:00:00Z", "2026-12-01T09:23:00Z", Grain.HOUR));
    }

    @Test
    void nonAlignedEdgesWidenToTheirWholeBucket() {
        // inside the horizon, minutes
        assertEquals(List.of(segment(Grain.MINUTE, "2026-11-30T10:00:00Z", "2026-11-30T10:01:00Z")),
                plan("2026-11-30T10:00:00.100Z", "2026-11-30T10:00:00.900Z", "2026-12-01T09:23:00Z", Grain.DAY));
        assertEquals(List.of(segment(Grain.MINUTE, "2026-11-30T09:59:00Z", "2026-11-30T10:00:00Z"),
                        segment(Grain.MINUTE, "2026-11-30T10:00:00Z", "2026-11-30T10:01:00Z")),
                plan("2026-11-30T09:59:59.999Z", "2026-11-30T10:00:00.001Z", "2026-12-01T09:23:00Z", Grain.DAY));
        // older than the horizon, hours
        assertEquals(List.of(segment(Grain.HOUR, "2026-11-20T05:00:00Z", "2026-11-20T07:00:00Z")),
                plan("2026-11-20T05:59:00Z", "2026-11-20T06:00:00.001Z", "2026-12-01T09:23:00Z", Grain.DAY));
    }

    @Test
    void sinceAtOrAfterUntilCountsNothingToTheMillisecond() {
        assertTrue(plan("2026-11-30T10:00:00.900Z", "2026-11-30T10:00:00.100Z", "2026-12-01T09:23:00Z", Grain.DAY)
                .isEmpty());
        assertTrue(plan("2026-11-30T10:00:00.100Z", "2026-11-30T10:00:00.100Z", "2026-12-01T09:23:00Z", Grain.HOUR)
                .isEmpty());
        assertTrue(BucketPlan.of(new TimeWindow(NOW, OptionalLong.of(NOW - 1)), NOW, HORIZON, Grain.DAY).isEmpty());
        assertEquals(1, BucketPlan.of(new TimeWindow(NOW, OptionalLong.of(NOW + 1)), NOW, HORIZON, Grain.DAY).size());
    }

    /** Buckets read, counting an open segment as one bucket. */
    private static long buckets(List<Segment> plan) {
        return plan.stream().mapToLong(s -> s.isOpen() ? 1 : (s.to() - s.from()) / s.grain().seconds()).sum();
    }
}
