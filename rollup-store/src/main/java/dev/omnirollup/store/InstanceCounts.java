package dev.omnirollup.store;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.UUID;

/**
 * Counts per instance, ordered by the ids' text, each id with its text at hand. An answer of a busy installation
 * carries hundreds of instances; the API writes them in this order under their text, so keeping the order and the
 * text from the breakdown dictionary saves a sort and a {@code UUID.toString} per instance on every request. A UUID's
 * text is its two halves in fixed-width lowercase hex, so text order is the order of the halves as unsigned numbers.
 * An unmodifiable map. Immutable.
 */
public final class InstanceCounts extends AbstractMap<UUID, Long> {
    public static final InstanceCounts NONE = new InstanceCounts(new UUID[0], new String[0], new long[0]);

    private final UUID[] ids;
    private final String[] texts;
    private final long[] counts;

    private InstanceCounts(UUID[] ids, String[] texts, long[] counts) {
        this.ids = ids;
        this.texts = texts;
        this.counts = counts;
    }

    /**
     * From arrays already in text order, taken over (the caller keeps no reference).
     *
     * @param texts each id's {@code toString()}
     */
    static InstanceCounts ofOrdered(UUID[] ids, String[] texts, long[] counts) {
        if (ids.length != texts.length || ids.length != counts.length) {
            throw new IllegalArgumentException("ids, texts and counts differ in length");
        }
        for (int i = 1; i < ids.length; i++) {
            if (BY_TEXT.compare(ids[i - 1], ids[i]) >= 0) {
                throw new IllegalArgumentException("ids not in text order at " + i + ": " + ids[i - 1] + ", " + ids[i]);
            }
        }
        return new InstanceCounts(ids, texts, counts);
    }

    /** The same counts in text order; {@code counts} itself when it is one already. */
    public static InstanceCounts of(Map<UUID, Long> counts) {
        if (counts instanceof InstanceCounts ordered) {
            return ordered;
        }
        UUID[] ids = counts.keySet().toArray(new UUID[0]);
        Arrays.sort(ids, BY_TEXT::compare);
        String[] texts = new String[ids.length];
        long[] values = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            texts[i] = ids[i].toString();
            values[i] = counts.get(ids[i]);
        }
        return new InstanceCounts(ids, texts, values);
    }

    /** Orders ids as their text orders them. */
    static final Comparator<UUID> BY_TEXT = (a, b) -> {
        int high = Long.compareUnsigned(a.getMostSignificantBits(), b.getMostSignificantBits());
        return high != 0 ? high : Long.compareUnsigned(a.getLeastSignificantBits(), b.getLeastSignificantBits());
    };

    @Override
    public int size() {
        return ids.length;
    }

    /** The {@code i}-th id in text order. */
    public UUID id(int i) {
        return ids[i];
    }

    /** The text of the {@code i}-th id. */
    public String text(int i) {
        return texts[i];
    }

    /** The count of the {@code i}-th id. */
    public long count(int i) {
        return counts[i];
    }

    @Override
    public Long get(Object key) {
        int i = key instanceof UUID id ? Arrays.binarySearch(ids, id, BY_TEXT) : -1;
        return i >= 0 ? counts[i] : null;
    }

    @Override
    public boolean containsKey(Object key) {
        return get(key) != null;
    }

    @Override
    public Set<Entry<UUID, Long>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Entry<UUID, Long>> iterator() {
                return new Iterator<>() {
                    private int next;

                    @Override
                    public boolean hasNext() {
                        return next < ids.length;
                    }

                    @Override
                    public Entry<UUID, Long> next() {
                        if (next >= ids.length) {
                            throw new NoSuchElementException();
                        }
                        int i = next++;
                        return new SimpleImmutableEntry<>(ids[i], counts[i]);
                    }
                };
            }

            @Override
            public int size() {
                return ids.length;
            }
        };
    }
}
