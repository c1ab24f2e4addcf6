package dev.omnirollup.store;

import java.util.List;
import java.util.Optional;

/**
 * Automation executions all time, failures in the last 24 hours, and the newest queue snapshot per instance.
 */
public record AutomationReport(long executions, long success, long failed, long skipped, long actions,
                               long execSum, long execCount, long recentFailures, List<QueueRow> queues) {
    public AutomationReport {
        queues = List.copyOf(queues);
    }

    /** The newest {@code automation.queue} snapshot of one instance (or {@code global}). */
    public record QueueRow(String instanceKey, int activeCount, int pendingCount, long observedMs) {
    }

    /** {@code avg(execution_time_ms)::int}, empty when no execution had a time. */
    public Optional<Long> avgExecutionMs() {
        return MessageCounts.roundedAverage(execSum, execCount);
    }
}
