package dev.omnirollup.api;

import dev.omnirollup.store.Grain;
import dev.omnirollup.store.TimeWindow;
import dev.omnirollup.store.WindowReport.TimelinePoint;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Timeline buckets as upstream renders them ({@code YYYY-MM-DD HH:MM:SS}, UTC wall clock, the text form of
 * PostgreSQL's {@code date_trunc(...)::text}), sparse or zero-filled. Pure.
 */
final class Timeline {
    /** Most buckets a {@code fill=zero} timeline may hold (an hourly year is 8 784). */
    static final int MAX_FILLED_BUCKETS = 10_000;

    private Timeline() {
    }

    /** {@code yyyy-MM-dd HH:mm:ss} in UTC (a year outside 0–9999 printed in full, as {@code %04d} would). */
    static String bucketText(long epochSecond) {
        LocalDateTime t = LocalDateTime.ofEpochSecond(epochSecond, 0, ZoneOffset.UTC);
        int year = t.getYear();
        if (year < 0 || year > 9_999) { // rare; the general (slower) formatter
            return String.format("%04d-%02d-%02d %02d:%02d:%02d", year, t.getMonthValue(), t.getDayOfMonth(),
                    t.getHour(), t.getMinute(), t.getSecond());
        }
        char[] text = "0000-00-00 00:00:00".toCharArray();
        digits(text, 0, year, 4);
        digits(text, 5, t.getMonthValue(), 2);
        digits(text, 8, t.getDayOfMonth(), 2);
        digits(text, 11, t.getHour(), 2);
        digits(text, 14, t.getMinute(), 2);
        digits(text, 17, t.getSecond(), 2);
        return new String(text);
    }

    private static void digits(char[] text, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            text[i] = (char) ('0' + value % 10);
            value /= 10;
        }
    }

    /** The non-empty buckets as {@code [{bucket, count}]}. */
    static List<Map<String, Object>> sparse(List<TimelinePoint> points) {
        List<Map<String, Object>> out = new ArrayList<>(points.size());
        for (TimelinePoint point : points) {
            out.add(entry(point.bucketSecond(), point.count()));
        }
        return out;
    }

    /** Buckets {@code [first, end)} of one grain, epoch seconds; empty when {@code end <= first}. */
    record Span(Grain grain, long first, long end) {
        long size() {
            return end <= first ? 0 : (end - first) / grain.seconds();
        }
    }

    /**
     * The buckets of {@code grain} a zero-filled timeline of {@code window} lists: exactly those the window counts
     * (the ones overlapping it for a positive length, see docs/windows.md), so none when {@code since >= until};
     * without an upper bound, up to the one holding {@code nowMilli}.
     */
    static Span span(Grain grain, TimeWindow window, long nowMilli) {
        long first = window.firstBucket(grain);
        if (window.isEmpty()) {
            return new Span(grain, first, first);
        }
        long end = window.isOpen() ? grain.bucketOf(Math.floorDiv(nowMilli, 1000)) + grain.seconds()
                : window.endBucket(grain);
        return new Span(grain, first, end);
    }

    /**
     * Every bucket of {@code span} (widened to include any non-empty bucket outside it, such as future ones of an
     * open window), with 0 for empty ones.
     *
     * @throws ApiProblem 400 when that would be more than {@link #MAX_FILLED_BUCKETS} buckets
     */
    static List<Map<String, Object>> filled(Span span, List<TimelinePoint> points) {
        Grain grain = span.grain();
        TreeMap<Long, Long> counts = new TreeMap<>();
        points.forEach(p -> counts.merge(p.bucketSecond(), p.count(), Long::sum));
        long first = span.first();
        long end = Math.max(span.first(), span.end());
        if (!counts.isEmpty()) {
            first = Math.min(first, counts.firstKey());
            end = Math.max(end, counts.lastKey() + grain.seconds());
        }
        long size = new Span(grain, first, end).size();
        requireWithinLimit(size);
        List<Map<String, Object>> out = new ArrayList<>((int) size);
        for (long bucket = first; bucket < end; bucket += grain.seconds()) {
            out.add(entry(bucket, counts.getOrDefault(bucket, 0L)));
        }
        return out;
    }

    static void requireWithinLimit(long buckets) {
        if (buckets > MAX_FILLED_BUCKETS) {
            throw ApiProblem.validation(Map.of("fill", List.of("fill=zero would return " + buckets
                    + " buckets; at most " + MAX_FILLED_BUCKETS + " are allowed: narrow the window or use daily")));
        }
    }

    private static Map<String, Object> entry(long bucketSecond, long count) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("bucket", bucketText(bucketSecond));
        entry.put("count", count);
        return entry;
    }
}
