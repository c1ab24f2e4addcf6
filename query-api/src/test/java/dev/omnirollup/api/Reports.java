package dev.omnirollup.api;

import dev.omnirollup.store.AutomationReport;
import dev.omnirollup.store.MessageCounts;
import dev.omnirollup.store.WindowReport;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** Test support: read values as the reader and the live counts return them, for the body mappers' tests. */
final class Reports {
    private Reports() {
    }

    /** Counts of {@code total} rows: {@code completed} of them completed, {@code failed} failed, the rest pending. */
    static MessageCounts counts(long total, long completed, long failed, long inbound) {
        return new MessageCounts(total, completed, failed, total - completed - failed, inbound, total - inbound,
                0, 0, 0, 0);
    }

    static WindowReport window(MessageCounts counts, Map<String, Long> channels, Map<String, Long> contentTypes,
                               Map<String, Long> errorStages, Map<UUID, Long> instances,
                               List<WindowReport.TimelinePoint> timeline) {
        return new WindowReport(counts, channels, contentTypes, errorStages, Map.of(), instances, Map.of(), Map.of(),
                timeline);
    }

    static LiveCounts.Snapshot live(LiveCounts.DeadLetters deadLetters, long payloads, long bytes,
                                    LiveCounts.Instances instances) {
        return new LiveCounts.Snapshot(deadLetters, payloads, bytes, instances);
    }

    static final LiveCounts.DeadLetters NO_DEAD_LETTERS = new LiveCounts.DeadLetters(0, 0, 0, 0, 0, Map.of());
    static final LiveCounts.Instances NO_INSTANCES = new LiveCounts.Instances(0, 0, Map.of(), Set.of());
    static final AutomationReport NO_AUTOMATION = new AutomationReport(0, 0, 0, 0, 0, 0, 0, 0, List.of());
}
