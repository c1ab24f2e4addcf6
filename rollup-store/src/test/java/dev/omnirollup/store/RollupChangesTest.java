package dev.omnirollup.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class RollupChangesTest {
    /** A row's breakdowns go out as JSON with their keys in natural order and without the keys that sum to 0. */
    @Test
    void breakdownsGoOutSortedWithoutZeros() {
        Random random = new Random(11);
        for (int size : new int[] {0, 1, 2, 5, 31, 32, 33, 500}) {
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                keys.add((i % 3 == 0 ? "i:" : "c:") + Integer.toHexString(random.nextInt()) + i);
            }
            Collections.shuffle(keys, random);
            Map<String, Long> changes = new LinkedHashMap<>();
            Map<String, Long> expected = new TreeMap<>();
            for (int i = 0; i < keys.size(); i++) {
                long n = i % 4 == 0 ? 0 : random.nextInt(9) + 1;
                changes.put(keys.get(i), n);
                if (n != 0) {
                    expected.put(keys.get(i), n);
                }
            }
            RollupChanges rollup = new RollupChanges(0);
            RollupKey key = RollupKey.of(Grain.TOTAL, UUID.randomUUID(), 0);
            rollup.add(key, MessageCounts.of(new long[MessageCounter.COUNT]).negated(), changes);
            List<RollupChanges.MessageRowChange> rows = rollup.messageRows(Grain.TOTAL);
            String json = rows.isEmpty() ? "{}" : rows.get(0).breakdownsJson();
            assertEquals(expected, DimsJson.read(json), size + " keys");
            assertEquals(new ArrayList<>(expected.keySet()), new ArrayList<>(DimsJson.read(json).keySet()),
                    size + " keys in natural order");
        }
    }

    /**
     * Executions count in every grain, in the minute's only from the minute floor on — the floor itself and the
     * second before it, and a floor of {@code Long.MIN_VALUE} (no floor) without overflowing.
     */
    @Test
    void executionsMakeMinuteRowsFromTheMinuteFloorOn() {
        long floor = 1_700_000_040L;
        UUID automation = UUID.randomUUID();
        AutomationCounts one = AutomationCounts.of("success", 1, 2, 30, 1);
        // {second, minute rows}: the automation's and the all-automations row, from the floor on
        for (long[] at : new long[][] {{floor - 1, 0}, {floor, 2}, {floor + 59, 2}}) {
            RollupChanges changes = new RollupChanges(floor);
            changes.addExecutions(at[0], automation, one);
            assertEquals(at[1], changes.automationRows(Grain.MINUTE).size(), "minute rows at " + at[0]);
            for (Grain grain : new Grain[] {Grain.HOUR, Grain.DAY, Grain.TOTAL}) {
                assertEquals(2, changes.automationRows(grain).size(), grain + " rows at " + at[0]);
            }
        }
        RollupChanges unfloored = new RollupChanges(Long.MIN_VALUE);
        unfloored.addExecutions(floor, automation, one);
        assertEquals(2, unfloored.automationRows(Grain.MINUTE).size());
    }
}
