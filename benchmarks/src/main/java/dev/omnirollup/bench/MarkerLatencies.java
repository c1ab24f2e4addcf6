package dev.omnirollup.bench;

import java.util.List;

/**
 * Freshness of automation runs: each marker run against the first API answer whose {@code totalExecutions} counts
 * every row committed up to it. Built once; not modified afterwards.
 *
 * @param markers    markers committed after the warm-up
 * @param visible    those an answer counted
 * @param visibility commit of the marker's insert to the first answer that counted it
 * @param insert     how long the markers' inserts (statement and commit) took
 */
record MarkerLatencies(int markers, int visible, Latency visibility, Latency insert) {

    /** Matches the markers committed at or after {@code countFromNanos} (earlier ones are warm-up). */
    static MarkerLatencies of(List<AutomationRunWriter.Marker> markers, List<ExecutionsPoller.Sighting> sightings,
                              long countFromNanos) {
        Latency visibility = new Latency();
        Latency insert = new Latency();
        int counted = 0;
        int visible = 0;
        int s = 0;
        for (AutomationRunWriter.Marker marker : markers) {
            // sightings rise in count, and markers in rows: one pass over both
            while (s < sightings.size() && sightings.get(s).totalExecutions() < marker.rowsCommitted()) {
                s++;
            }
            if (marker.committedNanos() < countFromNanos) {
                continue;
            }
            counted++;
            insert.recordNanos(marker.insertNanos());
            if (s < sightings.size()) {
                visible++;
                visibility.recordNanos(sightings.get(s).nanos() - marker.committedNanos());
            }
        }
        return new MarkerLatencies(counted, visible, visibility, insert);
    }
}
