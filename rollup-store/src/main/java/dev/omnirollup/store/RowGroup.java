package dev.omnirollup.store;

import java.util.Objects;
import java.util.UUID;

/**
 * What the counters need to know of {@code n} identical {@code omni_events} rows. Nullable fields mirror the
 * table's nullable columns ({@code instanceId}, {@code contentType}, {@code errorStage}; the histogram bins are null
 * when the rows have no {@code processing_time_ms} / {@code agent_latency_ms}).
 *
 * @param epochSecond {@code received_at} (or any second inside the finest bucket the rows are known at)
 * @param procSum     sum of {@code processing_time_ms} over the rows (0 when {@code procBin} is null)
 * @param agentSum    sum of {@code agent_latency_ms} over the rows (0 when {@code agentBin} is null)
 */
record RowGroup(long epochSecond, UUID instanceId, String channel, String direction, String eventType,
                String contentType, String errorStage, String status, Long procBin, long procSum,
                Long agentBin, long agentSum) {

    RowGroup {
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(direction, "direction");
        Objects.requireNonNull(eventType, "eventType");
        Objects.requireNonNull(status, "status");
    }

    /**
     * A row as the live ingest creates it: no latencies (no NATS event carries them), its time kept to the minute
     * (the finest bucket), so that rows of one minute are equal and a multiset of them stays small.
     */
    static RowGroup live(long epochMs, UUID instanceId, String channel, String direction, String eventType,
                         String contentType, String errorStage, String status) {
        return new RowGroup(Grain.MINUTE.bucketOf(Math.floorDiv(epochMs, 1000)), instanceId, channel, direction,
                eventType, contentType, errorStage, status, null, 0, null, 0);
    }

    /** The same rows at another second (a pending row's shape at its minute). */
    RowGroup withEpochSecond(long newEpochSecond) {
        return new RowGroup(newEpochSecond, instanceId, channel, direction, eventType, contentType, errorStage,
                status, procBin, procSum, agentBin, agentSum);
    }

    RowGroup withStatus(String newStatus) {
        return new RowGroup(epochSecond, instanceId, channel, direction, eventType, contentType, errorStage,
                newStatus, procBin, procSum, agentBin, agentSum);
    }
}
