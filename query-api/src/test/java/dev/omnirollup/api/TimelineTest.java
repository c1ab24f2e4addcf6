package dev.omnirollup.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.omnirollup.store.Grain;
import dev.omnirollup.store.WindowReport.TimelinePoint;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TimelineTest {
    private static long s(String instant) {
        return Instant.parse(instant).getEpochSecond();
    }

    @Test
    void rendersUpstreamsBucketText() {
        assertEquals("2026-02-09 14:00:00", Timeline.bucketText(s("2026-02-09T14:00:00Z")));
        assertEquals("0999-01-01 00:00:00", Timeline.bucketText(s("0999-01-01T00:00:00Z")));
    }

    @Test
    void zeroFillCoversEveryBucketOfTheWindow() {
        List<TimelinePoint> points = List.of(new TimelinePoint(s("2026-02-09T14:00:00Z"), 3));
        List<Map<String, Object>> filled = Timeline.filled(Grain.HOUR, s("2026-02-09T12:30:00Z"),
                s("2026-02-09T15:10:00Z"), points);
        assertEquals(4, filled.size());
        assertEquals(Map.of("bucket", "2026-02-09 12:00:00", "count", 0L), filled.get(0));
        assertEquals(Map.of("bucket", "2026-02-09 14:00:00", "count", 3L), filled.get(2));
        assertEquals("2026-02-09 15:00:00", filled.get(3).get("bucket"));
    }

    @Test
    void zeroFillWidensToBucketsOutsideTheWindow() {
        List<TimelinePoint> points = List.of(new TimelinePoint(s("2026-02-12T00:00:00Z"), 1));
        assertEquals(4, Timeline.filled(Grain.DAY, s("2026-02-09T12:30:00Z"), s("2026-02-10T15:10:00Z"), points).size());
    }

    @Test
    void zeroFillIsBounded() {
        assertEquals(10_000, Timeline.bucketsBetween(Grain.HOUR, 0, 9_999 * 3600L + 59));
        Timeline.requireWithinLimit(10_000);
        ApiProblem problem = assertThrows(ApiProblem.class, () -> Timeline.filled(Grain.HOUR, 0, 10_000 * 3600L,
                List.of()));
        assertEquals(400, problem.status());
    }
}
