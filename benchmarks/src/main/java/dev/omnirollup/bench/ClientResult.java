package dev.omnirollup.bench;

/**
 * What the client benchmark measured for one endpoint on one data set. Immutable.
 *
 * @param keepAlive    sequential requests on one keep-alive connection
 * @param fresh        sequential requests, a new connection each
 * @param serverMeanMs the API's own mean for the keep-alive batch, from its Prometheus histogram (NaN when unknown)
 * @param reads        rows and pages the database read per request (NaN when not measured)
 * @param upstream     upstream's plain SQL for the same answer ({@link Percentiles#NONE} when it has none)
 */
record ClientResult(ClientDatasets.Shape shape, ClientEndpoint endpoint, RequestBatch.Outcome keepAlive,
                    RequestBatch.Outcome fresh, double serverMeanMs, Reads reads, Percentiles upstream) {

    /**
     * Per request: rows and 8 kB pages read from the rollup schema's tables, and rows read from Omni's raw event tables
     * ({@code omni_events}, {@code automation_logs}), the background subtracted.
     */
    record Reads(double rollupRows, double rollupPages, double rawRows) {
        static final Reads NONE = new Reads(Double.NaN, Double.NaN, Double.NaN);
    }

    /** Upstream's p99 over ours at the client (keep-alive): how many times faster the user gets the answer. */
    double upstreamRatioP99() {
        return upstream.p99() / keepAlive.client().p99();
    }

    boolean meetsLatencyTarget(RequestBatch.Outcome outcome) {
        return outcome.client().p50() <= ClientTargets.P50_MS && outcome.client().p99() <= ClientTargets.P99_MS;
    }
}
