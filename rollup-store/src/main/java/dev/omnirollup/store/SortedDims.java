package dev.omnirollup.store;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * A row's breakdowns ({@code dims}: {@code "<prefix>:<key>"} to a count) as two parallel arrays, keys in their natural
 * order, no count 0 — the form in which a change to a row is written and in which {@link KnownDims} keeps a row's
 * whole map, so that adding a change to it is one merge of two sorted runs. Immutable (the arrays are never handed
 * out).
 */
final class SortedDims {
    static final SortedDims NONE = new SortedDims(new String[0], new long[0]);

    private final String[] keys;
    private final long[] counts;

    private SortedDims(String[] keys, long[] counts) {
        this.keys = keys;
        this.counts = counts;
    }

    /** The non-zero entries of a map. */
    static SortedDims of(Map<String, Long> dims) {
        TreeMap<String, Long> sorted = new TreeMap<>();
        dims.forEach((key, n) -> {
            if (n != 0) {
                sorted.put(key, n);
            }
        });
        String[] keys = new String[sorted.size()];
        long[] counts = new long[sorted.size()];
        int i = 0;
        for (Map.Entry<String, Long> entry : sorted.entrySet()) {
            keys[i] = entry.getKey();
            counts[i++] = entry.getValue();
        }
        return ofSorted(keys, counts);
    }

    /** Keys already in their natural order, each once, with non-zero counts (the arrays are kept, not copied). */
    static SortedDims ofSorted(String[] keys, long[] counts) {
        return keys.length == 0 ? NONE : new SortedDims(keys, counts);
    }

    /** A stored {@code dims} object ({@code {"c:discord": 12, ...}}). */
    static SortedDims parse(String json) {
        return of(DimsJson.read(json));
    }

    /**
     * Key by key the sum of these and {@code other}, keys that sum to 0 left out: what {@code dims_add} of the
     * migrations makes of a stored map and a change. Keys are taken through {@code canonical} (one instance of each
     * text, so that many rows' maps share them).
     */
    SortedDims plus(SortedDims other, UnaryOperator<String> canonical) {
        String[] outKeys = new String[keys.length + other.keys.length];
        long[] outCounts = new long[outKeys.length];
        int i = 0;
        int j = 0;
        int n = 0;
        while (i < keys.length || j < other.keys.length) {
            int order = i == keys.length ? 1 : j == other.keys.length ? -1 : keys[i].compareTo(other.keys[j]);
            String key;
            long count;
            if (order < 0) {
                key = keys[i];
                count = counts[i++];
            } else if (order > 0) {
                key = canonical.apply(other.keys[j]);
                count = other.counts[j++];
            } else {
                key = keys[i];
                count = counts[i++] + other.counts[j++];
            }
            if (count != 0) {
                outKeys[n] = key;
                outCounts[n++] = count;
            }
        }
        return n == 0 ? NONE : new SortedDims(Arrays.copyOf(outKeys, n), Arrays.copyOf(outCounts, n));
    }

    /** These breakdowns with every key taken through {@code canonical}. */
    SortedDims canonical(UnaryOperator<String> canonical) {
        String[] out = new String[keys.length];
        for (int i = 0; i < keys.length; i++) {
            out[i] = canonical.apply(keys[i]);
        }
        return new SortedDims(out, counts);
    }

    boolean isEmpty() {
        return keys.length == 0;
    }

    /** The JSON object, keys in their natural order. */
    String json() {
        return DimsJson.write(keys, counts);
    }

    Map<String, Long> toMap() {
        Map<String, Long> map = new TreeMap<>();
        for (int i = 0; i < keys.length; i++) {
            map.put(keys[i], counts[i]);
        }
        return map;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SortedDims that && Arrays.equals(keys, that.keys) && Arrays.equals(counts, that.counts);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(keys) + Arrays.hashCode(counts);
    }

    @Override
    public String toString() {
        return json();
    }
}
