package dev.omnirollup.store;

import java.util.Map;
import java.util.NavigableMap;
import java.util.OptionalDouble;
import java.util.TreeMap;

/**
 * A mergeable histogram of integer milliseconds as bin counts: values below 256 have a bin each, larger values
 * share log-linear bins 1/128 of a power of two wide, so any bin's midpoint is within 0.4 % of every value in it.
 * Bins merge by adding counts, which is what the rollup tables do with {@code n = n + excluded.n}.
 */
final class LatencyBins {
    private static final int EXACT = 256;
    private static final int SUB_BITS = 7;

    private LatencyBins() {
    }

    static long binOf(long value) {
        if (value < 0) {
            return -1 - binOf(-(value + 1));
        }
        if (value < EXACT) {
            return value;
        }
        int exponent = 63 - Long.numberOfLeadingZeros(value);
        long sub = (value >>> (exponent - SUB_BITS)) & ((1 << SUB_BITS) - 1);
        return EXACT + (long) (exponent - 8) * (1 << SUB_BITS) + sub;
    }

    /** Smallest value in the bin. */
    static long lowerBound(long bin) {
        if (bin < 0) {
            return -(upperBound(-1 - bin) + 1);
        }
        if (bin < EXACT) {
            return bin;
        }
        long offset = bin - EXACT;
        int exponent = (int) (offset >>> SUB_BITS) + 8;
        long sub = offset & ((1 << SUB_BITS) - 1);
        return (1L << exponent) + (sub << (exponent - SUB_BITS));
    }

    /** Largest value in the bin. */
    static long upperBound(long bin) {
        if (bin < 0) {
            return -(lowerBound(-1 - bin) + 1);
        }
        if (bin < EXACT) {
            return bin;
        }
        int exponent = (int) ((bin - EXACT) >>> SUB_BITS) + 8;
        return lowerBound(bin) + (1L << (exponent - SUB_BITS)) - 1;
    }

    static double representative(long bin) {
        return (lowerBound(bin) + upperBound(bin)) / 2.0;
    }

    /**
     * The continuous percentile ({@code percentile_cont}) of the values counted in {@code bins}, interpolating
     * linearly between the two ranks around {@code fraction * (n - 1)} as PostgreSQL does, each rank's value
     * taken as its bin's midpoint. Empty when no value was counted.
     */
    static OptionalDouble percentile(Map<Long, Long> bins, double fraction) {
        NavigableMap<Long, Long> sorted = new TreeMap<>();
        long n = 0;
        for (Map.Entry<Long, Long> bin : bins.entrySet()) {
            if (bin.getValue() > 0) {
                sorted.put(bin.getKey(), bin.getValue());
                n += bin.getValue();
            }
        }
        if (n == 0) {
            return OptionalDouble.empty();
        }
        double position = fraction * (n - 1);
        long lowerRank = (long) Math.floor(position);
        double lower = valueAtRank(sorted, lowerRank);
        double upper = lowerRank + 1 < n ? valueAtRank(sorted, lowerRank + 1) : lower;
        return OptionalDouble.of(lower + (position - lowerRank) * (upper - lower));
    }

    private static double valueAtRank(NavigableMap<Long, Long> sorted, long rank) {
        long seen = 0;
        for (Map.Entry<Long, Long> bin : sorted.entrySet()) {
            seen += bin.getValue();
            if (rank < seen) {
                return representative(bin.getKey());
            }
        }
        throw new IllegalStateException("rank " + rank + " beyond " + seen + " values");
    }
}
