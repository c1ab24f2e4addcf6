package dev.omnirollup.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omnirollup.store.BucketPlan.Segment;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BucketPlanTest {
    private static final Duration HORIZON = Duration.ofDays(8);
    private static final long NOW = 1_764_100_000L;

    @Test
    void segmentsTileTheWidenedWindowExactly() {
        Random random = new Random(1);
        for (int i = 0; i < 20_000; i++) {
            long start = NOW - random.nextLong(40L * 86_400);
            boolean open = random.nextInt(4) == 0;
            long end = start + random.nextLong(20L * 86_400);
            Grain coarsest = random.nextBoolean() ? Grain.DAY : Grain.HOUR;
            List<Segment> plan = BucketPlan.of(start, open ? OptionalLong.empty() : OptionalLong.of(end), NOW,
                    HORIZON, coarsest);
            Grain startGrain = start >= NOW - HORIZON.toSeconds() ? Grain.MINUTE : Grain.HOUR;
            long cursor = startGrain.bucketOf(start);
            for (Segment segment : plan) {
                assertEquals(cursor, segment.from(), "contiguous");
                assertTrue(segment.grain().isAligned(segment.from()), "aligned start " + segment);
                assertTrue(segment.isOpen() || segment.grain().isAligned(segment.to()), "aligned end " + segment);
                assertTrue(coarsest == Grain.DAY || segment.grain() != Grain.DAY, "no days for hourly detail");
                if (segment.grain() == Grain.MINUTE) {
                    // at most an hour before the read horizon, well inside the 9-day minute retention
                    assertTrue(segment.from() >= Grain.HOUR.bucketOf(NOW - HORIZON.toSeconds()), "minutes kept");
                }
                cursor = segment.to();
            }
            if (open) {
                assertEquals(BucketPlan.OPEN, cursor);
            } else {
                Grain endGrain = end >= NOW - HORIZON.toSeconds() ? Grain.MINUTE : Grain.HOUR;
                assertEquals(endGrain.bucketOf(end) + endGrain.seconds(), cursor);
            }
            assertTrue(buckets(plan) <= 59 + 23 + 20 + 1 + 23 + 59 + (coarsest == Grain.HOUR ? 20 * 24 : 0),
                    "bounded: " + plan);
        }
    }

    @Test
    void aDefaultWindowReadsAtMostAHundredBuckets() {
        for (long now = NOW; now < NOW + 86_400; now += 37) {
            long buckets = buckets(BucketPlan.of(now - 86_400, OptionalLong.empty(), now, HORIZON, Grain.DAY));
            assertTrue(buckets <= 59 + 23 + 1, "buckets " + buckets);
        }
    }

    @Test
    void anUntilBeforeSinceIsEmpty() {
        assertTrue(BucketPlan.of(NOW, OptionalLong.of(NOW - 1), NOW, HORIZON, Grain.DAY).isEmpty());
    }

    /** Buckets read, counting an open segment as one bucket. */
    private static long buckets(List<Segment> plan) {
        return plan.stream().mapToLong(s -> s.isOpen() ? 1 : (s.to() - s.from()) / s.grain().seconds()).sum();
    }
}
