package dev.omnirollup.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.omnirollup.store.MessageCounts;
import dev.omnirollup.store.RollupReader;
import dev.omnirollup.store.WindowReport;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code /event-ops/metrics} from read values, without a server: envelope, order, rates, nulls. */
class EventOpsBodyTest {
    @Test
    void nothingCounted() {
        assertEquals("{\"data\":{\"totalEvents\":0,\"eventsLast24h\":0,\"eventsLast7d\":0,\"eventsLastHour\":0,"
                + "\"eventsPerHour\":0,\"eventsPerMinute\":0,\"completed\":0,\"failed\":0,\"pending\":0,"
                + "\"avgProcessingTimeMs\":null,\"avgAgentLatencyMs\":null,\"p95ProcessingTimeMs\":null,"
                + "\"failureRate\":0,\"errorsByStage\":{},\"deadLettersPending\":0,\"deadLettersResolved\":0,"
                + "\"payloadsStored\":0,\"storageSizeBytes\":0}}",
                Json.write(EventOpsBody.of(new RollupReader.Metrics(WindowReport.EMPTY, new long[] {0, 0, 0}),
                        Reports.live(Reports.NO_DEAD_LETTERS, 0, 0, Reports.NO_INSTANCES))));
    }

    @Test
    void countsRatesAveragesAndLiveCounts() {
        MessageCounts counts = new MessageCounts(3, 2, 1, 0, 0, 3, 250, 2, 7, 3);
        WindowReport all = new WindowReport(counts, Map.of(), Map.of(), Map.of("Z_STAGE", 1L, "A_STAGE", 2L),
                Map.of(), Map.of(), Map.of(), Map.of(), List.of());
        LiveCounts.DeadLetters deadLetters = new LiveCounts.DeadLetters(9, 4, 1, 3, 1, Map.of());
        assertEquals("{\"data\":{\"totalEvents\":3,\"eventsLast24h\":3,\"eventsLast7d\":5,\"eventsLastHour\":1,"
                + "\"eventsPerHour\":0.125,\"eventsPerMinute\":0.016666666666666666,\"completed\":2,\"failed\":1,"
                + "\"pending\":0,\"avgProcessingTimeMs\":125,\"avgAgentLatencyMs\":2,\"p95ProcessingTimeMs\":null,"
                + "\"failureRate\":33.33333333333333,\"errorsByStage\":{\"A_STAGE\":2,\"Z_STAGE\":1},"
                + "\"deadLettersPending\":4,\"deadLettersResolved\":3,\"payloadsStored\":60,\"storageSizeBytes\":3360}}",
                Json.write(EventOpsBody.of(new RollupReader.Metrics(all, new long[] {3, 5, 1}),
                        Reports.live(deadLetters, 60, 3360, Reports.NO_INSTANCES))));
    }
}
