package dev.omnirollup.bench;

import java.time.Duration;

/**
 * How one data set was prepared and served. Immutable.
 *
 * @param dataAge     how old its newest event was when the measurements started
 * @param backfill    the launcher's backfill into empty rollups
 * @param omniMb      {@code omni_events} with its indexes
 * @param rollupMb    the rollup schema's tables
 * @param rollupRows  live rows of the rollup schema's tables
 * @param instance    the instance of {@code ?instanceId=} (the busiest, from the API's all-time analytics)
 * @param background  what the tables read with no request in flight (the API's own refreshes)
 */
record DatasetRun(ClientDatasets.Shape shape, String database, boolean reused, Duration dataAge, Duration generate,
                  Duration cluster, LauncherBackfill.Result backfill, double omniMb, double rollupMb,
                  double rollupRows, String instance, String background) {
}
