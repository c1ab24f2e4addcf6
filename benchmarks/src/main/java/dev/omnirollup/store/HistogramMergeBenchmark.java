package dev.omnirollup.store;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The mergeable latency histogram ({@link LatencyBins}): binning a value, and merging the bins of {@code buckets}
 * buckets (24 hourly buckets for a day window, 720 for a month) into one distribution and reading its p95, as a
 * window read does; with HdrHistogram's merge of the same data as a reference point.
 *
 * <p>Run: {@code benchmarks/run jmh --jmh HistogramMergeBenchmark}; directly:
 * {@code java -cp "benchmarks/target/classes:benchmarks/target/libs/*" org.openjdk.jmh.Main HistogramMergeBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class HistogramMergeBenchmark {
    private long[] values;
    private int next;

    /** The per-bucket histograms of a window. */
    @State(Scope.Benchmark)
    public static class Window {
        @Param({"24", "720"})
        public int buckets;

        List<Map<Long, Long>> binMaps;
        List<Histogram> histograms;

        @Setup
        public void setUp() {
            SplittableRandom random = new SplittableRandom(3);
            binMaps = new ArrayList<>();
            histograms = new ArrayList<>();
            for (int b = 0; b < buckets; b++) {
                Map<Long, Long> bins = new HashMap<>();
                Histogram histogram = new Histogram(3_600_000L, 2);
                for (int i = 0; i < 500; i++) {
                    double u = random.nextDouble();
                    long ms = 20 + (long) (u * u * 4000); // processing_time_ms as BulkHistory draws it
                    bins.merge(LatencyBins.binOf(ms), 1L, Long::sum);
                    histogram.recordValue(ms);
                }
                binMaps.add(bins);
                histograms.add(histogram);
            }
        }
    }

    @Setup
    public void setUp() {
        values = new SplittableRandom(5).longs(4096, 0, 60_000).toArray();
    }

    /** Bin one value (done per row group by backfill and per event by the fold). */
    @Benchmark
    public long binOf() {
        next = (next + 1) & 4095;
        return LatencyBins.binOf(values[next]);
    }

    /** Merge the buckets' bins and take the p95 (what a window read does after PostgreSQL's GROUP BY). */
    @Benchmark
    public double mergeAndP95(Window window) {
        Map<Long, Long> merged = new HashMap<>();
        for (Map<Long, Long> bins : window.binMaps) {
            bins.forEach((bin, n) -> merged.merge(bin, n, Long::sum));
        }
        return LatencyBins.percentile(merged, 0.95).orElse(Double.NaN);
    }

    /** The same with HdrHistogram (2 significant digits), for reference. */
    @Benchmark
    public long hdrMergeAndP95(Window window) {
        Histogram merged = new Histogram(3_600_000L, 2);
        for (Histogram h : window.histograms) {
            merged.add(h);
        }
        return merged.getValueAtPercentile(95);
    }
}
