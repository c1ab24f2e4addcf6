package dev.omnirollup.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Instance counts in their ids' text order, and the dictionary that keeps that order for the reader. */
class InstanceCountsTest {
    private static final SplittableRandom RANDOM = new SplittableRandom(11);

    /** Both halves over their whole range: negative longs are the ids whose text starts with 8-f. */
    private static UUID anyId(int i) {
        return i % 7 == 0 ? UUID.randomUUID() : new UUID(RANDOM.nextLong(), RANDOM.nextLong());
    }

    @Test
    void aMapIsOrderedByItsIdsTextAndStaysEqualToIt() {
        Map<UUID, Long> counts = new HashMap<>();
        for (int i = 0; i < 700; i++) {
            counts.put(anyId(i), (long) i);
        }
        InstanceCounts ordered = InstanceCounts.of(counts);
        TreeMap<String, Long> byText = new TreeMap<>();
        counts.forEach((id, n) -> byText.put(id.toString(), n));
        List<String> texts = new ArrayList<>();
        List<Long> values = new ArrayList<>();
        for (int i = 0; i < ordered.size(); i++) {
            texts.add(ordered.text(i));
            values.add(ordered.count(i));
            assertEquals(ordered.text(i), ordered.id(i).toString());
        }
        assertEquals(List.copyOf(byText.keySet()), texts);
        assertEquals(List.copyOf(byText.values()), values);
        assertEquals(counts, ordered);
        assertEquals(ordered, counts);
        assertEquals(counts.hashCode(), ordered.hashCode());
        counts.forEach((id, n) -> assertEquals(n, ordered.get(id)));
        assertNull(ordered.get(new UUID(1, 2)));
        assertFalse(ordered.containsKey("not an id"));
        assertSame(ordered, InstanceCounts.of(ordered));
        assertEquals(Map.of(), InstanceCounts.NONE);
    }

    @Test
    void arraysOutOfTextOrderAreRefused() {
        UUID low = UUID.fromString("00000000-0000-4000-8000-000000000001");
        UUID high = UUID.fromString("f0000000-0000-4000-8000-000000000001");
        assertThrows(IllegalArgumentException.class, () -> InstanceCounts.ofOrdered(new UUID[] {high, low},
                new String[] {high.toString(), low.toString()}, new long[] {1, 2}));
        assertThrows(IllegalArgumentException.class, () -> InstanceCounts.ofOrdered(new UUID[] {low, low},
                new String[] {low.toString(), low.toString()}, new long[] {1, 2}));
        assertEquals(Map.of(low, 1L, high, 2L), InstanceCounts.ofOrdered(new UUID[] {low, high},
                new String[] {low.toString(), high.toString()}, new long[] {1, 2}));
    }

    @Test
    void theDictionaryKeepsItsInstancesInTextOrderAsNewOnesAppear() {
        BreakdownKeys dictionary = new BreakdownKeys();
        List<UUID> added = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
            for (int i = 0; i < 40; i++) {
                UUID id = anyId(i);
                added.add(id);
                dictionary.idOf(Dim.INSTANCE.mapKey(id.toString()));
                dictionary.idOf(Dim.CHANNEL.mapKey("channel-" + i)); // other dimensions stay out of the order
            }
            int[] order = dictionary.instancesInTextOrder();
            List<String> texts = new ArrayList<>();
            for (int id : order) {
                texts.add(dictionary.key(id).name());
            }
            assertEquals(added.stream().map(UUID::toString).sorted().toList(), texts, "round " + round);
            assertSame(order, dictionary.instancesInTextOrder(), "sorted again only when an instance appeared");
        }
        // an id written in capitals is the same key as its canonical text, whichever came first
        UUID known = added.getFirst();
        assertEquals(dictionary.idOf(Dim.INSTANCE.mapKey(known.toString())),
                dictionary.idOf(Dim.INSTANCE.mapKey(known.toString().toUpperCase(Locale.ROOT))));
        UUID shouting = new UUID(-1, 7);
        int id = dictionary.idOf(Dim.INSTANCE.mapKey(shouting.toString().toUpperCase(Locale.ROOT)));
        assertEquals(shouting.toString(), dictionary.key(id).name());
        assertEquals(id, dictionary.idOf(Dim.INSTANCE.mapKey(shouting.toString())));
        int[] order = dictionary.instancesInTextOrder();
        assertEquals(added.size() + 1, order.length, "one key per instance, however it was spelt");
    }
}
