package dev.omnirollup.store;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.UUID;

/**
 * What the rollups say about a window (or all time), optionally for one instance.
 *
 * @param instances counts per instance, kept as an {@link InstanceCounts} (ordered by the ids' text); empty when the
 *                  report is for one instance
 * @param timeline  non-empty buckets in ascending order when a timeline was asked for, else empty
 */
public record WindowReport(MessageCounts counts, Map<String, Long> channels, Map<String, Long> contentTypes,
                           Map<String, Long> errorStages, Map<String, Long> eventTypes, Map<UUID, Long> instances,
                           Map<Long, Long> processingBins, Map<Long, Long> agentBins, List<TimelinePoint> timeline) {

    public WindowReport {
        channels = Map.copyOf(channels);
        contentTypes = Map.copyOf(contentTypes);
        errorStages = Map.copyOf(errorStages);
        eventTypes = Map.copyOf(eventTypes);
        instances = InstanceCounts.of(instances);
        processingBins = Map.copyOf(processingBins);
        agentBins = Map.copyOf(agentBins);
        timeline = List.copyOf(timeline);
    }

    /** Nothing counted. */
    public static final WindowReport EMPTY = new WindowReport(MessageCounts.ZERO, Map.of(), Map.of(), Map.of(),
            Map.of(), Map.of(), Map.of(), Map.of(), List.of());

    /** One timeline bucket: its start (epoch second, UTC) and the number of rows in it. */
    public record TimelinePoint(long bucketSecond, long count) {
    }

    /** The same report with a timeline. */
    public WindowReport withTimeline(List<TimelinePoint> points) {
        return new WindowReport(counts, channels, contentTypes, errorStages, eventTypes, instances, processingBins,
                agentBins, points);
    }

    /** {@code percentile_cont(0.95)} of processing_time_ms cast to int (half to even), within 1 %. */
    public Optional<Long> p95ProcessingMs() {
        OptionalDouble p95 = LatencyBins.percentile(processingBins, 0.95);
        return p95.isPresent() ? Optional.of((long) Math.rint(p95.getAsDouble())) : Optional.empty();
    }
}
