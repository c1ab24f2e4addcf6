package dev.omnirollup.api;

import dev.omnirollup.store.MessageCounts;
import dev.omnirollup.store.RollupReader;
import dev.omnirollup.store.WindowReport;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The body of {@code GET /api/v2/event-ops/metrics}: upstream's {@code {"data":{…}}} with its 18 fields in its
 * order; totals, counts and rates all time, the three windows since now minus 24 hours, 7 days and 1 hour, the dead
 * letters and payloads from the live counts. Pure.
 */
final class EventOpsBody {
    private EventOpsBody() {
    }

    static Map<String, Object> of(RollupReader.Metrics metrics, LiveCounts.Snapshot live) {
        WindowReport all = metrics.totals();
        MessageCounts counts = all.counts();
        long last24h = metrics.windows()[0];
        long last7d = metrics.windows()[1];
        long lastHour = metrics.windows()[2];
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("totalEvents", counts.total());
        data.put("eventsLast24h", last24h);
        data.put("eventsLast7d", last7d);
        data.put("eventsLastHour", lastHour);
        data.put("eventsPerHour", last24h / 24.0);
        data.put("eventsPerMinute", lastHour / 60.0);
        data.put("completed", counts.completed());
        data.put("failed", counts.failed());
        data.put("pending", counts.pending());
        data.put("avgProcessingTimeMs", counts.avgProcessingMs());
        data.put("avgAgentLatencyMs", counts.avgAgentMs());
        data.put("p95ProcessingTimeMs", all.p95ProcessingMs());
        data.put("failureRate", JsNumber.percent(counts.failed(), counts.total()));
        data.put("errorsByStage", new TreeMap<>(all.errorStages()));
        data.put("deadLettersPending", live.deadLetters().pending());
        data.put("deadLettersResolved", live.deadLetters().resolved());
        data.put("payloadsStored", live.payloadsStored());
        data.put("storageSizeBytes", live.storageSizeBytes());
        return Map.of("data", data);
    }
}
