package dev.omnirollup.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.omnirollup.store.Grain;
import dev.omnirollup.store.TimeWindow;
import dev.omnirollup.store.WindowReport.TimelinePoint;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TimelineTest {
    private static long s(String instant) {
        return Instant.parse(instant).getEpochSecond();
    }

    @Test
    void rendersUpstreamsBucketText() {
        assertEquals("2026-02-09 14:00:00", Timeline.bucketText(s("2026-02-09T14:00:00Z")));
        assertEquals("0999-01-01 00:00:00", Timeline.bucketText(s("0999-01-01T00:00:00Z")));
        assertEquals("10000-03-04 05:06:07", Timeline.bucketText(s("+10000-03-04T05:06:07Z")));
    }

    @Test
    void bucketTextIsWhatTheFormatPatternPrints() {
        SplittableRandom random = new SplittableRandom(13);
        for (int i = 0; i < 20_000; i++) {
            long second = random.nextLong(-70_000_000_000L, 260_000_000_000L);
            LocalDateTime t = LocalDateTime.ofEpochSecond(second, 0, ZoneOffset.UTC);
            String expected = String.format("%04d-%02d-%02d %02d:%02d:%02d", t.getYear(), t.getMonthValue(),
                    t.getDayOfMonth(), t.getHour(), t.getMinute(), t.getSecond());
            assertEquals(expected, Timeline.bucketText(second), "second " + second);
        }
    }

    private static TimeWindow window(String since, String until) {
        return TimeWindow.of(Instant.parse(since), Optional.of(Instant.parse(until)));
    }

    private static final long NOW = Instant.parse("2026-12-01T09:23:00Z").toEpochMilli();

    @Test
    void zeroFillCoversEveryBucketOfTheWindow() {
        List<TimelinePoint> points = List.of(new TimelinePoint(s("2026-02-09T14:00:00Z"), 3));
        List<Map<String, Object>> filled = Timeline.filled(Timeline.span(Grain.HOUR,
                window("2026-02-09T12:30:00Z", "2026-02-09T15:10:00Z"), NOW), points);
        assertEquals(4, filled.size());
        assertEquals(Map.of("bucket", "2026-02-09 12:00:00", "count", 0L), filled.get(0));
        assertEquals(Map.of("bucket", "2026-02-09 14:00:00", "count", 3L), filled.get(2));
        assertEquals("2026-02-09 15:00:00", filled.get(3).get("bucket"));
    }

    @Test
    void zeroFillListsExactlyTheBucketsTheWindowCounts() {
        // the hour starting at until is not counted, so not listed: 48 hours, not 49
        Timeline.Span hours = Timeline.span(Grain.HOUR, window("2026-11-29T06:00:00Z", "2026-12-01T06:00:00Z"), NOW);
        assertEquals(48, hours.size());
        List<Map<String, Object>> filled = Timeline.filled(hours, List.of());
        assertEquals("2026-11-29 06:00:00", filled.getFirst().get("bucket"));
        assertEquals("2026-12-01 05:00:00", filled.getLast().get("bucket"));
        // a day-aligned day is one day; a millisecond past it is two
        assertEquals(1, Timeline.span(Grain.DAY, window("2026-11-21T00:00:00Z", "2026-11-22T00:00:00Z"), NOW).size());
        assertEquals(2, Timeline.span(Grain.DAY, window("2026-11-21T00:00:00Z", "2026-11-22T00:00:00.001Z"), NOW)
                .size());
        // non-aligned edges widen to their buckets
        assertEquals(1, Timeline.span(Grain.HOUR, window("2026-11-30T10:00:00.100Z", "2026-11-30T10:00:00.900Z"), NOW)
                .size());
        // since >= until: nothing, to the millisecond
        Timeline.Span none = Timeline.span(Grain.HOUR, window("2026-02-09T10:00:00.900Z", "2026-02-09T10:00:00.100Z"),
                NOW);
        assertEquals(0, none.size());
        assertEquals(List.of(), Timeline.filled(none, List.of()));
        assertEquals(0, Timeline.span(Grain.DAY, window("2026-02-09T10:00:00.100Z", "2026-02-09T10:00:00.100Z"), NOW)
                .size());
    }

    @Test
    void anOpenWindowIsFilledUpToTheBucketHoldingNow() {
        TimeWindow lastDay = TimeWindow.from(Instant.ofEpochMilli(NOW).minusSeconds(86_400));
        assertEquals(25, Timeline.span(Grain.HOUR, lastDay, NOW).size());
        long onTheHour = Instant.parse("2026-12-01T09:00:00Z").toEpochMilli();
        assertEquals(25, Timeline.span(Grain.HOUR, TimeWindow.from(Instant.ofEpochMilli(onTheHour - 86_400_000)),
                onTheHour).size(), "the bucket holding now is listed even when now starts it");
        // a window starting after now lists nothing but the non-empty buckets
        TimeWindow future = TimeWindow.from(Instant.parse("2026-12-01T12:00:00Z"));
        assertEquals(List.of(), Timeline.filled(Timeline.span(Grain.HOUR, future, NOW), List.of()));
        assertEquals(List.of(Map.of("bucket", "2026-12-01 12:00:00", "count", 0L),
                        Map.of("bucket", "2026-12-01 13:00:00", "count", 2L)),
                Timeline.filled(Timeline.span(Grain.HOUR, future, NOW),
                        List.of(new TimelinePoint(s("2026-12-01T13:00:00Z"), 2))));
    }

    @Test
    void zeroFillWidensToBucketsOutsideTheWindow() {
        List<TimelinePoint> points = List.of(new TimelinePoint(s("2026-02-12T00:00:00Z"), 1));
        assertEquals(4, Timeline.filled(Timeline.span(Grain.DAY, window("2026-02-09T12:30:00Z", "2026-02-10T15:10:00Z"),
                NOW), points).size());
    }

    @Test
    void zeroFillIsBounded() {
        assertEquals(10_000, new Timeline.Span(Grain.HOUR, 0, 10_000 * 3600L).size());
        assertEquals(10_000, Timeline.span(Grain.HOUR, window("1970-01-01T00:00:00Z", "1971-02-21T15:59:59.999Z"), NOW)
                .size());
        Timeline.requireWithinLimit(10_000);
        ApiProblem problem = assertThrows(ApiProblem.class, () -> Timeline.filled(
                new Timeline.Span(Grain.HOUR, 0, 10_001 * 3600L), List.of()));
        assertEquals(400, problem.status());
    }
}
