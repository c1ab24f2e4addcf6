package dev.omnirollup.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omnirollup.store.AutomationReport;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code /automation-metrics} from read values, without a server: the engine's liveness, queues, rates. */
class AutomationBodyTest {
    static final Instant NOW = Instant.parse("2026-02-09T14:30:00Z");
    static final Duration STALENESS = Duration.ofMinutes(2);

    @Test
    void nothingRanAndNoEngine() {
        assertEquals("{\"running\":false,\"totalExecutions\":0,\"totalActions\":0,\"successRate\":0,"
                + "\"avgExecutionTimeMs\":0,\"recentFailures\":0}",
                Json.write(AutomationBody.of(Reports.NO_AUTOMATION, NOW, STALENESS)));
    }

    @Test
    void aRunningEngineShowsItsQueues() {
        long now = NOW.toEpochMilli();
        AutomationReport report = new AutomationReport(4, 3, 1, 0, 7, 5_001, 2, 1, List.of(
                new AutomationReport.QueueRow("aaaaaaaa-0000-4000-8000-000000000001", 2, 5, now - 30_000),
                new AutomationReport.QueueRow("global", 0, 1, now - 3_600_000)));
        assertEquals("{\"running\":true,\"instanceQueues\":[{\"instanceId\":\"aaaaaaaa-0000-4000-8000-000000000001\","
                + "\"activeCount\":2,\"pendingCount\":5},{\"instanceId\":\"global\",\"activeCount\":0,"
                + "\"pendingCount\":1}],\"totalExecutions\":4,\"totalActions\":7,\"successRate\":75,"
                + "\"avgExecutionTimeMs\":2501,\"recentFailures\":1}",
                Json.write(AutomationBody.of(report, NOW, STALENESS)));
    }

    @Test
    void theEngineRunsWhileASnapshotIsYoungerThanTheStaleness() {
        long now = NOW.toEpochMilli();
        AutomationReport fresh = new AutomationReport(0, 0, 0, 0, 0, 0, 0, 0,
                List.of(new AutomationReport.QueueRow("global", 0, 0, now - STALENESS.toMillis() + 1)));
        AutomationReport stale = new AutomationReport(0, 0, 0, 0, 0, 0, 0, 0,
                List.of(new AutomationReport.QueueRow("global", 0, 0, now - STALENESS.toMillis())));
        assertTrue(AutomationBody.running(fresh, NOW, STALENESS));
        assertFalse(AutomationBody.running(stale, NOW, STALENESS));
        assertEquals("{\"running\":false,\"totalExecutions\":0,\"totalActions\":0,\"successRate\":0,"
                + "\"avgExecutionTimeMs\":0,\"recentFailures\":0}", Json.write(AutomationBody.of(stale, NOW, STALENESS)));
    }
}
