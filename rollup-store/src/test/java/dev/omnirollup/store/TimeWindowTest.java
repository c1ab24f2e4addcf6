package dev.omnirollup.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TimeWindowTest {
    private static TimeWindow window(String since, String until) {
        return TimeWindow.of(Instant.parse(since), Optional.of(Instant.parse(until)));
    }

    private static long s(String instant) {
        return Instant.parse(instant).getEpochSecond();
    }

    @Test
    void countsTheBucketsOverlappingItForAPositiveLength() {
        TimeWindow w = window("2026-11-29T06:00:00Z", "2026-12-01T06:00:00Z");
        assertEquals(s("2026-11-29T06:00:00Z"), w.firstBucket(Grain.HOUR));
        assertEquals(s("2026-12-01T06:00:00Z"), w.endBucket(Grain.HOUR), "the hour starting at until is not counted");
        assertEquals(s("2026-11-29T00:00:00Z"), w.firstBucket(Grain.DAY));
        assertEquals(s("2026-12-02T00:00:00Z"), w.endBucket(Grain.DAY), "the day holding until is counted");
        TimeWindow inside = window("2026-11-30T10:00:00.100Z", "2026-11-30T10:00:00.900Z");
        assertEquals(s("2026-11-30T10:00:00Z"), inside.firstBucket(Grain.MINUTE));
        assertEquals(s("2026-11-30T10:01:00Z"), inside.endBucket(Grain.MINUTE));
        TimeWindow justPast = window("2026-11-30T10:00:00Z", "2026-11-30T10:01:00.001Z");
        assertEquals(s("2026-11-30T10:02:00Z"), justPast.endBucket(Grain.MINUTE));
    }

    @Test
    void emptyWhenSinceIsNotBeforeUntilToTheMillisecond() {
        assertTrue(window("2026-02-09T10:00:00.900Z", "2026-02-09T10:00:00.100Z").isEmpty());
        assertTrue(window("2026-02-09T10:00:00.100Z", "2026-02-09T10:00:00.100Z").isEmpty());
        assertFalse(window("2026-02-09T10:00:00.100Z", "2026-02-09T10:00:00.101Z").isEmpty());
        TimeWindow open = TimeWindow.from(Instant.parse("2026-02-09T10:00:00.900Z"));
        assertFalse(open.isEmpty());
        assertTrue(open.isOpen());
        assertEquals(BucketPlan.OPEN, open.endBucket(Grain.MINUTE));
    }

    @Test
    void beforeTheEpochToo() {
        TimeWindow w = window("1969-12-31T23:59:59.500Z", "1969-12-31T23:59:59.999Z");
        assertEquals(s("1969-12-31T23:59:00Z"), w.firstBucket(Grain.MINUTE));
        assertEquals(0, w.endBucket(Grain.MINUTE));
        assertEquals(s("0000-01-01T00:00:00Z"), TimeWindow.from(Instant.parse("0000-01-01T00:00:00Z"))
                .firstBucket(Grain.DAY));
    }

    @Test
    void noBucketsOfTheTotalGrain() {
        TimeWindow w = window("2026-02-09T10:00:00Z", "2026-02-10T10:00:00Z");
        assertThrows(IllegalArgumentException.class, () -> w.firstBucket(Grain.TOTAL));
        assertThrows(IllegalArgumentException.class, () -> w.endBucket(Grain.TOTAL));
    }
}
