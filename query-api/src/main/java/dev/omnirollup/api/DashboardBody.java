package dev.omnirollup.api;

import dev.omnirollup.store.AutomationReport;
import dev.omnirollup.store.Grain;
import dev.omnirollup.store.RollupReader;
import dev.omnirollup.store.TimeWindow;
import dev.omnirollup.store.WindowReport;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The body of {@code GET /api/v2/dashboard}, the one-request summary (also every live stream's {@code metrics}
 * frame): {@code instances}; {@code events} with {@code total} and {@code failureRate} all time (as
 * {@code /event-ops/metrics}), {@code last24h}, the hourly zero-filled {@code timeline}, {@code byChannel} and
 * {@code byDirection} over the analytics default window {@code [now-24h, ∞)}, {@code lastHour} from
 * {@code now-1h}, rates as {@code /event-ops/metrics}; {@code deadLetters}; {@code automations}; and
 * {@code system} from the health vitals. Pure.
 */
final class DashboardBody {
    private static final Duration DAY = Duration.ofHours(24);

    private DashboardBody() {
    }

    /** @param at the request's instant, in whole milliseconds */
    static Map<String, Object> of(Instant at, RollupReader.Summary summary, AutomationReport automation,
                                  LiveCounts.Snapshot live, HealthReport.Vitals vitals, Duration queueStaleness) {
        WindowReport all = summary.totals();
        WindowReport day = summary.lastDay();
        long lastHour = summary.lastHour();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("instances", HealthBody.instances(live.instances()));
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
        events.put("byDirection", AnalyticsBody.byDirection(day));
        events.put("failureRate", JsNumber.percent(all.counts().failed(), all.counts().total()));
        out.put("events", events);
        Map<String, Object> deadLetters = new LinkedHashMap<>();
        deadLetters.put("pending", live.deadLetters().pending());
        deadLetters.put("total", live.deadLetters().total());
        out.put("deadLetters", deadLetters);
        Map<String, Object> automations = new LinkedHashMap<>();
        automations.put("running", AutomationBody.running(automation, at, queueStaleness));
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
}
