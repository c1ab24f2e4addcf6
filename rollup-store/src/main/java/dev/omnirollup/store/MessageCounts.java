package dev.omnirollup.store;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Optional;

/** Summed message counters of some set of rollup rows. */
public record MessageCounts(long total, long completed, long failed, long pending, long inbound, long outbound,
                            long procSum, long procCount, long agentSum, long agentCount) {
    public static final MessageCounts ZERO = new MessageCounts(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    static MessageCounts of(long[] v) {
        return new MessageCounts(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9]);
    }

    /** {@code avg(processing_time_ms)::int}: half away from zero; empty when no row has a value. */
    public Optional<Long> avgProcessingMs() {
        return roundedAverage(procSum, procCount);
    }

    /** {@code avg(agent_latency_ms)::int}. */
    public Optional<Long> avgAgentMs() {
        return roundedAverage(agentSum, agentCount);
    }

    /** PostgreSQL's {@code avg(int)::int}: the exact numeric mean rounded half away from zero. */
    public static Optional<Long> roundedAverage(long sum, long count) {
        if (count <= 0) {
            return Optional.empty();
        }
        return Optional.of(BigDecimal.valueOf(sum).divide(BigDecimal.valueOf(count), 0, RoundingMode.HALF_UP)
                .longValueExact());
    }
}
