package dev.omnirollup.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omnirollup.store.BucketPlan.Segment;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
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
            Drawn drawn = draw(random);
            long start = drawn.start();
            long end = drawn.end();
            boolean open = drawn.open();
            Grain coarsest = drawn.coarsest();
            TimeWindow window = drawn.window();
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

    @Test
    void fewestRowsCountWhatTheTilingCountsInAtMostHalfAnEdgeEach() {
        Random random = new Random(2);
        long horizon = Math.floorDiv(NOW - HORIZON.toMillis(), 1000);
        // events at random seconds; a row of any grain holds the events of its span, as the rollups do
        long[] events = random.longs(4_000, NOW / 1000 - 40L * 86_400, NOW / 1000 + 86_400).sorted().toArray();
        for (int i = 0; i < 20_000; i++) {
            Drawn drawn = draw(random);
            Grain coarsest = drawn.coarsest();
            TimeWindow window = drawn.window();
            List<Segment> tiling = BucketPlan.of(window, NOW, HORIZON, coarsest);
            List<Segment> fewest = BucketPlan.fewestRows(window, NOW, HORIZON, coarsest);
            assertEquals(count(events, tiling), count(events, fewest), "same answer: " + tiling + " vs " + fewest);
            assertTrue(buckets(fewest) <= buckets(tiling), "no more rows: " + fewest);
            MessageRead.runs(fewest); // one run per position: minutes, hours, days, hours, minutes
            long days = tiling.stream().filter(s -> s.grain() == Grain.DAY && !s.isOpen())
                    .mapToLong(s -> (s.to() - s.from()) / 86_400).sum();
            long hours = coarsest == Grain.HOUR ? tiling.stream().filter(s -> s.grain() == Grain.HOUR && !s.isOpen())
                    .mapToLong(s -> (s.to() - s.from()) / 3_600).sum() : 0;
            assertTrue(buckets(fewest) <= 30 + 12 + days + hours + 2 + 12 + 30, "bounded: " + fewest);
            for (Segment segment : fewest) {
                assertTrue(coarsest == Grain.DAY || segment.grain() != Grain.DAY, "no days for hourly detail");
                assertTrue(segment.grain() != Grain.MINUTE || segment.from() >= horizon
                        || tiling.contains(segment), "minutes taken away lie inside the horizon: " + segment);
            }
        }
    }

    @Test
    void theDefaultWindowNetsBothItsEdges() {
        // since 10:10:30 on 11-30: the hour 10:00 minus 10 minutes, the day minus 10 hours, then the open days
        long now = t("2026-12-01T10:10:30Z").toEpochMilli();
        assertEquals(List.of(new Segment(Grain.MINUTE, t("2026-11-30T10:00:00Z").getEpochSecond(),
                                t("2026-11-30T10:10:00Z").getEpochSecond(), true),
                        new Segment(Grain.HOUR, t("2026-11-30T00:00:00Z").getEpochSecond(),
                                t("2026-11-30T10:00:00Z").getEpochSecond(), true),
                        new Segment(Grain.DAY, t("2026-11-30T00:00:00Z").getEpochSecond(), BucketPlan.OPEN)),
                BucketPlan.fewestRows(new TimeWindow(now - 86_400_000, OptionalLong.empty()), now, HORIZON,
                        Grain.DAY));
        // since 10:40: 20 minutes and 13 hours read as they are, 13 hours being more than half a day: the day
        // minus 11 hours
        long later = t("2026-12-01T10:40:00Z").toEpochMilli();
        assertEquals(List.of(segment(Grain.MINUTE, "2026-11-30T10:40:00Z", "2026-11-30T11:00:00Z"),
                        new Segment(Grain.HOUR, t("2026-11-30T00:00:00Z").getEpochSecond(),
                                t("2026-11-30T11:00:00Z").getEpochSecond(), true),
                        new Segment(Grain.DAY, t("2026-11-30T00:00:00Z").getEpochSecond(), BucketPlan.OPEN)),
                BucketPlan.fewestRows(new TimeWindow(later - 86_400_000, OptionalLong.empty()), later, HORIZON,
                        Grain.DAY));
        for (long at = NOW; at < NOW + 86_400_000; at += 37_001) {
            long buckets = buckets(BucketPlan.fewestRows(new TimeWindow(at - 86_400_000, OptionalLong.empty()), at,
                    HORIZON, Grain.DAY));
            assertTrue(buckets <= 30 + 12 + 2, "buckets " + buckets);
        }
    }

    @Test
    void aNearEdgeIsNettedInsideItsHourAndDay() {
        // 05:00 to 20:50 on one day: the hours 05:00 to 21:00 minus the ten minutes after until
        for (Grain coarsest : List.of(Grain.DAY, Grain.HOUR)) {
            assertEquals(List.of(segment(Grain.HOUR, "2026-11-30T05:00:00Z", "2026-11-30T21:00:00Z"),
                            new Segment(Grain.MINUTE, t("2026-11-30T20:50:00Z").getEpochSecond(),
                                    t("2026-11-30T21:00:00Z").getEpochSecond(), true)),
                    BucketPlan.fewestRows(TimeWindow.of(t("2026-11-30T05:00:00Z"),
                                    Optional.of(t("2026-11-30T20:50:00Z"))), t("2026-12-01T09:23:00Z").toEpochMilli(),
                            HORIZON, coarsest));
        }
        // from midnight to 20:00 of the next day: one day of rows minus four hours
        assertEquals(List.of(segment(Grain.DAY, "2026-11-29T00:00:00Z", "2026-12-01T00:00:00Z"),
                        new Segment(Grain.HOUR, t("2026-11-30T20:00:00Z").getEpochSecond(),
                                t("2026-12-01T00:00:00Z").getEpochSecond(), true)),
                BucketPlan.fewestRows(TimeWindow.of(t("2026-11-29T00:00:00Z"), Optional.of(t("2026-11-30T20:00:00Z"))),
                        t("2026-12-01T09:23:00Z").toEpochMilli(), HORIZON, Grain.DAY));
    }

    /** Events the plan counts, a negative run's taken away (an open run counts every event from its start). */
    private static long count(long[] events, List<Segment> plan) {
        long n = 0;
        for (Segment segment : plan) {
            long inside = Arrays.stream(events).filter(e -> e >= segment.from() && (segment.isOpen() || e < segment.to()))
                    .count();
            n += segment.negative() ? -inside : inside;
        }
        return n;
    }

    /** A window drawn at random, with the grain its read may use at most. */
    private record Drawn(long start, long end, boolean open, Grain coarsest, TimeWindow window) {
    }

    /** Edges anywhere (to the millisecond) or on a minute, hour or day boundary; open one time in four. */
    private static Drawn draw(Random random) {
        long start = align(random, NOW - random.nextLong(40L * 86_400_000));
        boolean open = random.nextInt(4) == 0;
        long end = align(random, start + random.nextLong(20L * 86_400_000) - random.nextLong(2) * 1_000);
        Grain coarsest = random.nextBoolean() ? Grain.DAY : Grain.HOUR;
        return new Drawn(start, end, open, coarsest,
                new TimeWindow(start, open ? OptionalLong.empty() : OptionalLong.of(end)));
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
