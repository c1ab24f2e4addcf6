package dev.omnirollup.api;

import dev.omnirollup.store.Grain;
import dev.omnirollup.store.InstanceCounts;
import dev.omnirollup.store.TimeWindow;
import dev.omnirollup.store.WindowReport;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The body of {@code GET /api/v2/events/analytics} (bare, as upstream): totals and rates of the window, the
 * breakdowns (maps sorted by key), the instances that still exist (a deleted instance's rows count in the totals,
 * never for the instance), both directions, and a {@code timeline} only when a granularity was asked for (sparse,
 * or zero-filled over the buckets the window counts: docs/windows.md). Pure.
 */
final class AnalyticsBody {
    private AnalyticsBody() {
    }

    /**
     * @param report            what the rollups say of the query's window (or all time)
     * @param existingInstances the ids of the instances that exist now
     * @param at                the request's instant, in whole milliseconds
     * @throws ApiProblem 400 when a zero-filled timeline would have more than {@link Timeline#MAX_FILLED_BUCKETS}
     */
    static Map<String, Object> of(AnalyticsQuery query, WindowReport report, Set<UUID> existingInstances, Instant at) {
        Map<String, Object> out = new LinkedHashMap<>();
        long total = report.counts().total();
        out.put("totalMessages", total);
        out.put("successfulMessages", report.counts().completed());
        out.put("failedMessages", report.counts().failed());
        out.put("successRate", JsNumber.percent(report.counts().completed(), total));
        out.put("avgProcessingTimeMs", report.counts().avgProcessingMs());
        out.put("avgAgentTimeMs", report.counts().avgAgentMs());
        out.put("messageTypes", new TreeMap<>(report.contentTypes()));
        out.put("errorStages", new TreeMap<>(report.errorStages()));
        Map<String, Long> instances;
        if (query.instanceId().isPresent()) {
            instances = total > 0 ? Map.of(query.instanceId().get().toString(), total) : Map.of();
        } else {
            instances = sortedById(report.instances(), existingInstances);
        }
        out.put("instances", instances);
        out.put("byChannel", new TreeMap<>(report.channels()));
        out.put("byDirection", byDirection(report));
        query.granularity().ifPresent(grain -> out.put("timeline", timeline(query, grain, report, at)));
        return out;
    }

    /**
     * The counts of the instances that exist, keyed and ordered by their ids' text: the order and the text come with
     * the counts ({@link InstanceCounts}), so a busy installation's hundreds of instances cost a lookup and a put
     * each.
     */
    static Map<String, Long> sortedById(Map<UUID, Long> counts, Set<UUID> existing) {
        InstanceCounts ordered = InstanceCounts.of(counts);
        Map<String, Long> sorted = new LinkedHashMap<>(Math.max(16, ordered.size() * 4 / 3 + 1));
        for (int i = 0; i < ordered.size(); i++) {
            if (existing.contains(ordered.id(i))) {
                sorted.put(ordered.text(i), ordered.count(i));
            }
        }
        return sorted;
    }

    /** {@code {inbound, outbound}}, both always present (also in the dashboard's events block). */
    static Map<String, Object> byDirection(WindowReport report) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("inbound", report.counts().inbound());
        out.put("outbound", report.counts().outbound());
        return out;
    }

    /** Sparse, or zero-filled over the buckets the window counts (all time: from the first non-empty one). */
    private static List<Map<String, Object>> timeline(AnalyticsQuery query, Grain grain, WindowReport report,
                                                      Instant at) {
        if (!query.fillZero()) {
            return Timeline.sparse(report.timeline());
        }
        Optional<TimeWindow> window = query.window(at);
        if (window.isEmpty() && report.timeline().isEmpty()) {
            return List.of();
        }
        TimeWindow filled = window.orElseGet(() -> TimeWindow.from(
                Instant.ofEpochSecond(report.timeline().getFirst().bucketSecond())));
        return Timeline.filled(Timeline.span(grain, filled, at.toEpochMilli()), report.timeline());
    }
}
