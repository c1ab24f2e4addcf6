package dev.omnirollup.bench;

/** A latency distribution read back in milliseconds: p50, p99, max and the number of samples. Immutable. */
record Percentiles(double p50, double p99, double max, long n) {
    static final Percentiles NONE = new Percentiles(Double.NaN, Double.NaN, Double.NaN, 0);

    static Percentiles of(Latency latency) {
        return latency.count() == 0 ? NONE : new Percentiles(latency.p50(), latency.p99(), latency.maxMs(),
                latency.count());
    }
}
