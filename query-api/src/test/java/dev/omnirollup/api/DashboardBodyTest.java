package dev.omnirollup.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.omnirollup.store.AutomationReport;
import dev.omnirollup.store.RollupReader;
import dev.omnirollup.store.WindowReport;
import dev.omnirollup.store.WindowReport.TimelinePoint;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** {@code /dashboard} from read values, without a server: every block, the zero-filled day, the system vitals. */
class DashboardBodyTest {
    static final Instant AT = Instant.parse("2026-02-09T14:30:00.250Z");

    @Test
    void everyBlockInOrder() {
        WindowReport all = Reports.window(Reports.counts(10, 6, 2, 4), Map.of(), Map.of(), Map.of(), Map.of(),
                List.of());
        WindowReport day = Reports.window(Reports.counts(3, 2, 1, 1), Map.of("telegram", 1L, "discord", 2L),
                Map.of(), Map.of(), Map.of(), List.of(new TimelinePoint(Instant.parse("2026-02-09T13:00:00Z")
                        .getEpochSecond(), 3)));
        LiveCounts.Snapshot live = Reports.live(new LiveCounts.DeadLetters(7, 3, 0, 4, 0, Map.of()), 0, 0,
                new LiveCounts.Instances(2, 1, Map.of("discord", 2L), Set.of(UUID.randomUUID(), UUID.randomUUID())));
        AutomationReport automation = new AutomationReport(4, 3, 1, 0, 0, 0, 0, 0, List.of(
                new AutomationReport.QueueRow("global", 0, 0, AT.toEpochMilli() - 1_000)));
        HealthReport.Vitals vitals = new HealthReport.Vitals(new HealthReport.Database(2, Optional.empty()),
                new HealthReport.Nats(false, false, Optional.of("Not configured")), "v", 7, AT);
        Map<String, Object> body = DashboardBody.of(AT, new RollupReader.Summary(all, day, 1), automation, live,
                vitals, Duration.ofMinutes(2));
        String json = Json.write(body);
        assertEquals("{\"instances\":{\"total\":2,\"connected\":1,\"byChannel\":{\"discord\":2}},\"events\":{"
                + "\"total\":10,\"last24h\":3,\"lastHour\":1,\"perHour\":0.125,\"perMinute\":0.016666666666666666,"
                + "\"timeline\":[{\"bucket\":\"2026-02-08 14:00:00\",\"count\":0},", json.substring(0, json.indexOf("},{") + 2));
        assertEquals("],\"byChannel\":{\"discord\":2,\"telegram\":1},\"byDirection\":{\"inbound\":1,\"outbound\":2},"
                + "\"failureRate\":20},\"deadLetters\":{\"pending\":3,\"total\":7},"
                + "\"automations\":{\"running\":true,\"totalExecutions\":4,\"successRate\":75},"
                + "\"system\":{\"status\":\"healthy\",\"uptime\":7,\"dbLatency\":2,\"natsConnected\":false}}",
                json.substring(json.indexOf("],\"byChannel\"")));
        List<?> timeline = (List<?>) ((Map<?, ?>) body.get("events")).get("timeline");
        assertEquals(25, timeline.size(), "the 24 hours since now-24h and the hour now is in");
        assertEquals(Map.of("bucket", "2026-02-09 13:00:00", "count", 3L), timeline.get(23));
        assertEquals(Map.of("bucket", "2026-02-09 14:00:00", "count", 0L), timeline.get(24));
    }

    @Test
    void degradedWhenTheDatabaseCheckFailed() {
        HealthReport.Vitals down = new HealthReport.Vitals(new HealthReport.Database(5_000,
                Optional.of("Connection refused")), new HealthReport.Nats(true, true, Optional.empty()), "v", 0, AT);
        Map<String, Object> body = DashboardBody.of(AT, new RollupReader.Summary(WindowReport.EMPTY,
                WindowReport.EMPTY, 0), Reports.NO_AUTOMATION, Reports.live(Reports.NO_DEAD_LETTERS, 0, 0,
                Reports.NO_INSTANCES), down, Duration.ofMinutes(2));
        assertEquals("{\"status\":\"degraded\",\"uptime\":0,\"dbLatency\":5000,\"natsConnected\":true}",
                Json.write(body.get("system")));
        assertEquals("{\"running\":false,\"totalExecutions\":0,\"successRate\":0}",
                Json.write(body.get("automations")));
    }
}
