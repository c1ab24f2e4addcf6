package dev.omnirollup.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omnirollup.store.DayFigures.Difference;
import dev.omnirollup.store.DayFigures.Executions;
import dev.omnirollup.store.DayFigures.Latencies;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The comparison of two sets of a day's figures. */
class DayFiguresTest {
    private static final UUID A = UUID.fromString("9f0c7c4e-0000-4000-8000-000000000001");
    private static final UUID B = UUID.fromString("2a8cf777-0000-4000-8000-000000000002");
    private static final long HOUR = 1_764_500_400L; // 2025-11-30T11:00:00Z

    private static DayFigures figures(long total, long completed, Latencies latencies, Map<String, Long> channels,
                                      Map<String, Long> errorStages, Map<UUID, Long> instances,
                                      Map<Long, Long> hours, Optional<Executions> executions) {
        return new DayFigures(total, completed, 1, 0, total - 2, 2, latencies, channels, Map.of("text", total),
                errorStages, Map.of("message.received", total), instances, hours, executions);
    }

    private static final DayFigures OMNI = figures(10, 6, new Latencies(500, 5, 90, 3),
            Map.of("discord", 4L, "telegram", 6L), Map.of("", 1L), Map.of(A, 7L, B, 3L), Map.of(HOUR, 10L),
            Optional.of(new Executions(4, 2, 1, 1, 6, 1200, 4)));

    @Test
    void equalFiguresHaveNoDifferences() {
        assertEquals(List.of(), DayFigures.differences(OMNI, OMNI, true));
    }

    @Test
    void zeroEntriesAreTheSameAsAbsentOnes() {
        DayFigures withZeros = figures(10, 6, new Latencies(500, 5, 90, 3),
                Map.of("discord", 4L, "telegram", 6L, "slack", 0L), Map.of("", 1L, "X", 0L),
                Map.of(A, 7L, B, 3L, UUID.randomUUID(), 0L), Map.of(HOUR, 10L, HOUR + 3600, 0L),
                OMNI.executions());
        assertEquals(OMNI, withZeros);
        assertEquals(List.of(), DayFigures.differences(withZeros, OMNI, true));
    }

    @Test
    void everyDifferenceIsNamedInAFixedOrder() {
        DayFigures rollups = figures(11, 5, new Latencies(400, 5, 90, 3),
                Map.of("discord", 5L, "telegram", 6L), Map.of(), Map.of(A, 8L, B, 3L),
                Map.of(HOUR, 10L, HOUR + 3600, 1L), Optional.of(new Executions(4, 2, 1, 1, 7, 1200, 4)));
        List<String> differences = DayFigures.differences(rollups, OMNI, true).stream().map(Difference::toString)
                .toList();
        assertEquals(List.of(
                "total: rollups 11, Omni 10",
                "completed: rollups 5, Omni 6",
                "inbound: rollups 9, Omni 8",
                "processingTimeSum: rollups 400, Omni 500",
                "channels[discord]: rollups 5, Omni 4",
                "contentTypes[text]: rollups 11, Omni 10",
                "errorStages[\"\"]: rollups 0, Omni 1",
                "eventTypes[message.received]: rollups 11, Omni 10",
                "instances[" + A + "]: rollups 8, Omni 7",
                "hours[2025-11-30T12:00:00Z]: rollups 1, Omni 0",
                "automations.actions: rollups 7, Omni 6"), differences);
    }

    @Test
    void latenciesAreComparedOnlyWhenAsked() {
        DayFigures rollups = figures(10, 6, Latencies.NONE, OMNI.channels(), OMNI.errorStages(), OMNI.instances(),
                OMNI.hours(), OMNI.executions());
        assertEquals(4, DayFigures.differences(rollups, OMNI, true).size());
        assertEquals(List.of(), DayFigures.differences(rollups, OMNI, false));
    }

    @Test
    void executionsAreComparedOnlyWhenBothSidesHaveThem() {
        DayFigures rollups = figures(10, 6, OMNI.latencies(), OMNI.channels(), OMNI.errorStages(), OMNI.instances(),
                OMNI.hours(), Optional.empty());
        assertEquals(List.of(), DayFigures.differences(rollups, OMNI, true));
        assertEquals(List.of(new Difference("automations.executions", 0, 4)), DayFigures.differences(
                figures(10, 6, OMNI.latencies(), OMNI.channels(), OMNI.errorStages(), OMNI.instances(), OMNI.hours(),
                        Optional.of(new Executions(0, 2, 1, 1, 6, 1200, 4))), OMNI, true));
    }

    @Test
    void onlyExistingInstancesStayInTheMap() {
        DayFigures kept = OMNI.onlyInstances(Set.of(B));
        assertEquals(Map.of(B, 3L), kept.instances());
        assertEquals(OMNI.total(), kept.total());
    }

    @Test
    void keysThatAreNotPlainAreQuoted() {
        assertEquals("WHATSAPP_SEND_FAILED", DayFigures.key("WHATSAPP_SEND_FAILED"));
        assertEquals("whatsapp-baileys", DayFigures.key("whatsapp-baileys"));
        assertEquals("\"\"", DayFigures.key(""));
        assertEquals("\"a b\"", DayFigures.key("a b"));
        assertEquals("\"q\\\"\\\\\\u000a\"", DayFigures.key("q\"\\\n"));
        assertTrue(DayFigures.empty(Optional.empty()).executions().isEmpty());
    }
}
