package dev.omnirollup.bench;

import org.HdrHistogram.Histogram;

/**
 * A latency distribution in microseconds (HdrHistogram, 3 significant digits, up to one hour), read back in
 * milliseconds. Not thread-safe: one per thread, {@link #add merged} afterwards.
 */
final class Latency {
    private final Histogram histogram = new Histogram(3_600_000_000L, 3);

    void recordNanos(long nanos) {
        histogram.recordValue(Math.max(1, Math.min(nanos / 1_000, 3_600_000_000L)));
    }

    void recordMillis(double millis) {
        histogram.recordValue(Math.max(1, Math.min((long) (millis * 1_000), 3_600_000_000L)));
    }

    void add(Latency other) {
        histogram.add(other.histogram);
    }

    long count() {
        return histogram.getTotalCount();
    }

    /** The {@code percentile} (0–100) in milliseconds; NaN when empty. */
    double ms(double percentile) {
        return count() == 0 ? Double.NaN : histogram.getValueAtPercentile(percentile) / 1000.0;
    }

    double p50() {
        return ms(50);
    }

    double p99() {
        return ms(99);
    }

    double maxMs() {
        return count() == 0 ? Double.NaN : histogram.getMaxValue() / 1000.0;
    }

    double meanMs() {
        return count() == 0 ? Double.NaN : histogram.getMean() / 1000.0;
    }
}
