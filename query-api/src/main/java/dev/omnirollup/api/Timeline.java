package dev.omnirollup.api;

import dev.omnirollup.store.Grain;
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

    static String bucketText(long epochSecond) {
        LocalDateTime t = LocalDateTime.ofEpochSecond(epochSecond, 0, ZoneOffset.UTC);
        return String.format("%04d-%02d-%02d %02d:%02d:%02d", t.getYear(), t.getMonthValue(), t.getDayOfMonth(),
                t.getHour(), t.getMinute(), t.getSecond());
    }

    /** The non-empty buckets as {@code [{bucket, count}]}. */
    static List<Map<String, Object>> sparse(List<TimelinePoint> points) {
        List<Map<String, Object>> out = new ArrayList<>(points.size());
        for (TimelinePoint point : points) {
            out.add(entry(point.bucketSecond(), point.count()));
        }
        return out;
    }

    /** Number of buckets from the one holding {@code fromSecond} to the one holding {@code toSecond}, inclusive. */
    static long bucketsBetween(Grain grain, long fromSecond, long toSecond) {
        long first = grain.bucketOf(fromSecond);
        long last = grain.bucketOf(toSecond);
        return last < first ? 0 : (last - first) / grain.seconds() + 1;
    }

    /**
     * Every bucket from the one holding {@code fromSecond} to the one holding {@code toSecond} (widened to include
     * any non-empty bucket outside), with 0 for empty ones.
     *
     * @throws ApiProblem 400 when that would be more than {@link #MAX_FILLED_BUCKETS} buckets
     */
    static List<Map<String, Object>> filled(Grain grain, long fromSecond, long toSecond, List<TimelinePoint> points) {
        TreeMap<Long, Long> counts = new TreeMap<>();
        points.forEach(p -> counts.merge(p.bucketSecond(), p.count(), Long::sum));
        long first = grain.bucketOf(fromSecond);
        long last = grain.bucketOf(toSecond);
        if (!counts.isEmpty()) {
            first = Math.min(first, counts.firstKey());
            last = Math.max(last, counts.lastKey());
        }
        if (last < first) {
            return List.of();
        }
        long size = (last - first) / grain.seconds() + 1;
        requireWithinLimit(size);
        List<Map<String, Object>> out = new ArrayList<>((int) size);
        for (long bucket = first; bucket <= last; bucket += grain.seconds()) {
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
