package dev.omnirollup.api;

import dev.omnirollup.store.AutomationReport;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The body of {@code GET /api/v2/automation-metrics} (bare, as upstream): whether the engine runs and, only then,
 * its queues; executions and actions all time, the success rate, the average execution time (0 without any, as
 * upstream), and the failures of the last 24 hours. The engine runs while its newest {@code automation.queue}
 * snapshot is younger than {@code automation-queue-staleness}. Pure.
 */
final class AutomationBody {
    private AutomationBody() {
    }

    static Map<String, Object> of(AutomationReport report, Instant now, Duration queueStaleness) {
        boolean running = running(report, now, queueStaleness);
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

    /** Whether a queue snapshot younger than {@code queueStaleness} says the engine runs (also on the dashboard). */
    static boolean running(AutomationReport report, Instant now, Duration queueStaleness) {
        long nowMs = now.toEpochMilli();
        return report.queues().stream().anyMatch(q -> nowMs - q.observedMs() < queueStaleness.toMillis());
    }
}
