package dev.omnirollup.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LatencyBinsTest {
    @Test
    void binsAreContiguousAndNarrow() {
        long previousUpper = -1;
        for (long bin = 0; bin < 256 + 128 * 40; bin++) {
            long lower = LatencyBins.lowerBound(bin);
            long upper = LatencyBins.upperBound(bin);
            assertEquals(previousUpper + 1, lower, "bin " + bin);
            assertTrue(upper - lower <= Math.max(0, lower / 128.0), "bin " + bin + " too wide");
            assertEquals(bin, LatencyBins.binOf(lower));
            assertEquals(bin, LatencyBins.binOf(upper));
            previousUpper = upper;
        }
        for (long v = -5000; v < 0; v++) {
            long bin = LatencyBins.binOf(v);
            assertTrue(LatencyBins.lowerBound(bin) <= v && v <= LatencyBins.upperBound(bin), "value " + v);
        }
    }

    /** The percentile from bins is within 1 % of PostgreSQL's percentile_cont over the raw values. */
    @Test
    void percentileIsWithinOnePercentOfTheExactOne() {
        Random random = new Random(5);
        for (int round = 0; round < 500; round++) {
            int n = 1 + random.nextInt(3000);
            long[] values = new long[n];
            Map<Long, Long> bins = new HashMap<>();
            for (int i = 0; i < n; i++) {
                values[i] = (long) Math.exp(random.nextDouble() * 14);
                bins.merge(LatencyBins.binOf(values[i]), 1L, Long::sum);
            }
            Arrays.sort(values);
            double position = 0.95 * (n - 1);
            int k = (int) Math.floor(position);
            double exact = values[k] + (position - k) * ((k + 1 < n ? values[k + 1] : values[k]) - values[k]);
            double estimate = LatencyBins.percentile(bins, 0.95).orElseThrow();
            assertTrue(Math.abs(estimate - exact) <= Math.max(0.5, exact * 0.01),
                    "round " + round + ": " + estimate + " vs " + exact);
        }
    }

    @Test
    void noValuesNoPercentile() {
        assertTrue(LatencyBins.percentile(Map.of(), 0.95).isEmpty());
    }
}
