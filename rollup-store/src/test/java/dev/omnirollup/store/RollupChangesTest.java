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
}
