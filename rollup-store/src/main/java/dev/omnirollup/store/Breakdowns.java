package dev.omnirollup.store;

import java.util.Arrays;
import java.util.Map;

/**
 * One row's breakdowns, decoded once: key numbers (see {@link BreakdownKeys}) and their counts. Immutable.
 */
record Breakdowns(int[] keys, long[] counts) {
    static final Breakdowns NONE = new Breakdowns(new int[0], new long[0]);

    /** Decodes a {@code dims} map as stored ({@code {"c:discord": 12, ...}}). */
    static Breakdowns of(String dimsJson, BreakdownKeys dictionary) {
        Map<String, Long> dims = DimsJson.read(dimsJson);
        if (dims.isEmpty()) {
            return NONE;
        }
        int[] keys = new int[dims.size()];
        long[] counts = new long[dims.size()];
        int i = 0;
        for (Map.Entry<String, Long> entry : dims.entrySet()) {
            keys[i] = dictionary.idOf(entry.getKey());
            counts[i++] = entry.getValue();
        }
        return new Breakdowns(keys, counts);
    }

    /**
     * Adds these counts times {@code sign} (1, or -1 for a row taken from the answer) into {@code sums}, indexed by
     * key number (grown when too short); returns the array.
     */
    long[] addTo(long[] sums, long sign) {
        long[] out = sums;
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] >= out.length) {
                out = Arrays.copyOf(out, Math.max(keys[i] + 1, out.length * 2));
            }
            out[keys[i]] += sign * counts[i];
        }
        return out;
    }

    int size() {
        return keys.length;
    }
}
