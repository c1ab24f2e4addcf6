package dev.omnirollup.api;

import dev.omnirollup.store.AutomationReport;
import dev.omnirollup.store.Grain;
import dev.omnirollup.store.RollupReader;
import dev.omnirollup.store.TimeWindow;
import dev.omnirollup.store.WindowReport;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The bodies of the dashboard endpoints, computed from the rollups ({@link RollupReader}) and the cached
 * {@link LiveCounts}, with upstream's key order, envelopes, rounding, null rules and {@code (a/b)*100} rates. Maps
 * whose key order upstream leaves to PostgreSQL are sorted by key. Never reads Omni's {@code omni_events}; every
 * read is bounded by the bucket plan (windows and their buckets: docs/windows.md). Thread-safe.
 */
final class Answers {
    private static final Duration DAY = Duration.ofHours(24);

    private final RollupReader reader;
    private final LiveCounts live;
    private final HealthProbe probe;
    private final Duration queueStaleness;

    Answers(RollupReader reader, LiveCounts live, HealthProbe probe, Duration queueStaleness) {
        this.reader = reader;
        this.live = live;
        this.probe = probe;
        this.queueStaleness = queueStaleness;
    }

    /** {@code GET /event-ops/metrics}: {@code {"data":{18 fields}}}. */
    Map<String, Object> eventOpsMetrics(Instant now) {
        Instant at = now.truncatedTo(ChronoUnit.MILLIS);
        RollupReader.Metrics metrics = reader.metrics(at);
        WindowReport all = metrics.totals();
        long last24h = metrics.windows()[0];
        long last7d = metrics.windows()[1];
        long lastHour = metrics.windows()[2];
        LiveCounts.Snapshot counts = live.get();
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("totalEvents", all.counts().total());
        data.put("eventsLast24h", last24h);
        data.put("eventsLast7d", last7d);
        data.put("eventsLastHour", lastHour);
        data.put("eventsPerHour", last24h / 24.0);
        data.put("eventsPerMinute", lastHour / 60.0);
        data.put("completed", all.counts().completed());
        data.put("failed", all.counts().failed());
        data.put("pending", all.counts().pending());
        data.put("avgProcessingTimeMs", all.counts().avgProcessingMs());
        data.put("avgAgentLatencyMs", all.counts().avgAgentMs());
        data.put("p95ProcessingTimeMs", all.p95ProcessingMs());
        data.put("failureRate", JsNumber.percent(all.counts().failed(), all.counts().total()));
        data.put("errorsByStage", new TreeMap<>(all.errorStages()));
        data.put("deadLettersPending", counts.deadLetters().pending());
        data.put("deadLettersResolved", counts.deadLetters().resolved());
        data.put("payloadsStored", counts.payloadsStored());
        data.put("storageSizeBytes", counts.storageSizeBytes());
        return Map.of("data", data);
    }

    /** {@code GET /events/analytics} (bare). */
    Map<String, Object> analytics(AnalyticsQuery query, Instant now) {
        Instant at = now.truncatedTo(ChronoUnit.MILLIS);
        Optional<Grain> grain = query.granularity();
        Optional<TimeWindow> window = query.window(at);
        WindowReport report;
        if (window.isPresent() && query.fillZero()) {
            Timeline.requireWithinLimit(Timeline.span(grain.orElseThrow(), window.get(), at.toEpochMilli()).size());
        }
        if (query.instanceId().isPresent() && !live.get().instances().ids().contains(query.instanceId().get())) {
            // Omni sets a deleted instance's rows to a NULL instance: they count in totals, never for the instance
            report = WindowReport.EMPTY;
        } else if (window.isEmpty()) {
            report = reader.allTime(query.instanceId(), grain);
        } else {
            report = reader.window(query.start(at).orElseThrow(), query.end(), query.instanceId(), grain, at);
        }
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
        Map<String, Long> instances = new TreeMap<>();
        if (query.instanceId().isPresent()) {
            if (total > 0) {
                instances.put(query.instanceId().get().toString(), total);
            }
        } else {
            Set<UUID> existing = live.get().instances().ids();
            report.instances().forEach((id, n) -> {
                if (existing.contains(id)) {
                    instances.put(id.toString(), n);
                }
            });
        }
        out.put("instances", instances);
        out.put("byChannel", new TreeMap<>(report.channels()));
        out.put("byDirection", byDirection(report));
        if (grain.isPresent()) {
            out.put("timeline", timeline(query, grain.get(), window, at, report));
        }
        return out;
    }

    /** Sparse, or zero-filled over the buckets the window counts (all time: from the first non-empty one). */
    private static List<Map<String, Object>> timeline(AnalyticsQuery query, Grain grain, Optional<TimeWindow> window,
                                                      Instant now, WindowReport report) {
        if (!query.fillZero()) {
            return Timeline.sparse(report.timeline());
        }
        if (window.isEmpty() && report.timeline().isEmpty()) {
            return List.of();
        }
        TimeWindow filled = window.orElseGet(() -> TimeWindow.from(
                Instant.ofEpochSecond(report.timeline().getFirst().bucketSecond())));
        return Timeline.filled(Timeline.span(grain, filled, now.toEpochMilli()), report.timeline());
    }

    /** {@code GET /dead-letters/stats}: {@code {"data":{…}}} with {@code retrying} added. */
    Map<String, Object> deadLetterStats() {
        LiveCounts.DeadLetters d = live.get().deadLetters();
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("total", d.total());
        data.put("pending", d.pending());
        data.put("resolved", d.resolved());
        data.put("abandoned", d.abandoned());
        data.put("retrying", d.retrying());
        data.put("byEventType", new TreeMap<>(d.byEventType()));
        return Map.of("data", data);
    }

    /** {@code GET /automation-metrics} (bare). */
    Map<String, Object> automationMetrics(Instant now) {
        AutomationReport report = reader.automation(now.truncatedTo(ChronoUnit.MILLIS));
        boolean running = running(report, now);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("running", running);
        if (running) {
            List<Map<String, Object>> queues = new ArrayList<>();
            for (AutomationReport.QueueRow row : report.queues()) {
                Map<String, Object> queue = new LinkedHashMap<>();
                queue.put("instanceId", row.instanceKey());
                queue.put("activeCount", row.activeCount());
                queue.put("pendingCount", row.pendingCount());
                queues.add(queue);
            }
            out.put("instanceQueues", queues);
        }
        out.put("totalExecutions", report.executions());
        out.put("totalActions", report.actions());
        out.put("successRate", JsNumber.percent(report.success(), report.executions()));
        out.put("avgExecutionTimeMs", report.avgExecutionMs().orElse(0L));
        out.put("recentFailures", report.recentFailures());
        return out;
    }

    private boolean running(AutomationReport report, Instant now) {
        long nowMs = now.toEpochMilli();
        return report.queues().stream().anyMatch(q -> nowMs - q.observedMs() < queueStaleness.toMillis());
    }

    /**
     * {@code GET /dashboard}: the wish's one-request summary. Windows: {@code events.total} and
     * {@code events.failureRate} all time (as {@code /event-ops/metrics}); {@code last24h}, {@code timeline}
     * (hourly, zero-filled), {@code byChannel} and {@code byDirection} over the analytics default window
     * {@code [now-24h, ∞)}; {@code lastHour} from {@code now-1h}; rates as {@code /event-ops/metrics}.
     */
    Map<String, Object> dashboard(Instant now) {
        Instant at = now.truncatedTo(ChronoUnit.MILLIS);
        Fork.Task<AutomationReport> automationTask = Fork.start(() -> reader.automation(at));
        RollupReader.Summary summary = reader.summary(at);
        WindowReport all = summary.totals();
        WindowReport day = summary.lastDay();
        long lastHour = summary.lastHour();
        HealthReport.Vitals vitals = probe.recentVitals(at);
        AutomationReport automation = automationTask.join();
        LiveCounts.Snapshot counts = live.get();

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("instances", HealthBody.instances(counts.instances()));
        Map<String, Object> events = new LinkedHashMap<>();
        long last24h = day.counts().total();
        events.put("total", all.counts().total());
        events.put("last24h", last24h);
        events.put("lastHour", lastHour);
        events.put("perHour", last24h / 24.0);
        events.put("perMinute", lastHour / 60.0);
        events.put("timeline", Timeline.filled(Timeline.span(Grain.HOUR, TimeWindow.from(at.minus(DAY)),
                at.toEpochMilli()), day.timeline()));
        events.put("byChannel", new TreeMap<>(day.channels()));
        events.put("byDirection", byDirection(day));
        events.put("failureRate", JsNumber.percent(all.counts().failed(), all.counts().total()));
        out.put("events", events);
        Map<String, Object> deadLetters = new LinkedHashMap<>();
        deadLetters.put("pending", counts.deadLetters().pending());
        deadLetters.put("total", counts.deadLetters().total());
        out.put("deadLetters", deadLetters);
        Map<String, Object> automations = new LinkedHashMap<>();
        automations.put("running", running(automation, at));
        automations.put("totalExecutions", automation.executions());
        automations.put("successRate", JsNumber.percent(automation.success(), automation.executions()));
        out.put("automations", automations);
        Map<String, Object> system = new LinkedHashMap<>();
        system.put("status", vitals.status());
        system.put("uptime", vitals.uptimeSeconds());
        system.put("dbLatency", vitals.database().latencyMs());
        system.put("natsConnected", vitals.nats().connected());
        out.put("system", system);
        return out;
    }

    private static Map<String, Object> byDirection(WindowReport report) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("inbound", report.counts().inbound());
        out.put("outbound", report.counts().outbound());
        return out;
    }

}
