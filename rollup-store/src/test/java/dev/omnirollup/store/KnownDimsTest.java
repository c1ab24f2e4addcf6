package dev.omnirollup.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class KnownDimsTest {
    /** Adding breakdowns in Java gives what dims_add gives: key by key, zero sums left out, keys in order. */
    @Test
    void plusSumsKeyByKeyAndDropsZeros() {
        Random random = new Random(3);
        for (int round = 0; round < 2_000; round++) {
            Map<String, Long> a = randomDims(random, random.nextInt(round % 50 == 0 ? 600 : 20));
            Map<String, Long> b = randomDims(random, random.nextInt(8));
            a.forEach((key, n) -> {
                if (random.nextInt(4) == 0) {
                    b.put(key, -n);
                }
            });
            Map<String, Long> expected = new TreeMap<>(a);
            b.forEach((key, n) -> expected.merge(key, n, Long::sum));
            expected.values().removeIf(n -> n == 0);
            SortedDims sum = SortedDims.of(a).plus(SortedDims.of(b), UnaryOperator.identity());
            assertEquals(expected, sum.toMap(), "round " + round);
            assertEquals(expected, new TreeMap<>(DimsJson.read(sum.json())), "round " + round + " as JSON");
            assertEquals(sum, SortedDims.parse(sum.json()), "round " + round + " read back");
        }
    }

    /** The least recently used rows are forgotten beyond the capacity; keys' text is shared between rows. */
    @Test
    void forgetsTheLeastRecentlyUsedAndSharesKeys() {
        KnownDims known = new KnownDims(3);
        RollupKey[] keys = new RollupKey[4];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = RollupKey.of(Grain.HOUR, UUID.randomUUID(), 3_600L * i);
        }
        known.put(Layer.LIVE, keys[0], 1, SortedDims.NONE);
        known.put(Layer.LIVE, keys[1], 2, SortedDims.NONE);
        known.put(Layer.LIVE, keys[2], 3, SortedDims.NONE);
        assertNotNull(known.get(Layer.LIVE, keys[0])); // now the most recently used
        known.put(Layer.LIVE, keys[3], 4, SortedDims.NONE);
        assertNull(known.get(Layer.LIVE, keys[1]), "the least recently used is forgotten");
        assertEquals(3, known.size());
        assertNull(known.get(Layer.live(1), keys[0]), "another layer's row is another row");
        String first = known.shared(new String("c:discord"));
        assertSame(first, known.shared(new String("c:discord")));
    }

    private static Map<String, Long> randomDims(Random random, int keys) {
        Map<String, Long> dims = new HashMap<>();
        while (dims.size() < keys) {
            long n = (1 + random.nextInt(1_000)) * (random.nextBoolean() ? 1 : -1);
            dims.put("ciltd".charAt(random.nextInt(5)) + ":" + Integer.toString(random.nextInt(3 * keys + 1), 36),
                    n);
        }
        return dims;
    }
}
