package dev.omnirollup.store;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Optional;

/** The message counters of some set of rollup rows (a row, a window, all time). Immutable. */
public record MessageCounts(long total, long completed, long failed, long pending, long inbound, long outbound,
                            long procSum, long procCount, long agentSum, long agentCount) {
    public static final MessageCounts ZERO = new MessageCounts(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /** The counters in {@link MessageCounter} order. */
    static MessageCounts of(long[] values) {
        if (values.length != MessageCounter.COUNT) {
            throw new IllegalArgumentException("expected " + MessageCounter.COUNT + " counters, got " + values.length);
        }
        return new MessageCounts(values[0], values[1], values[2], values[3], values[4], values[5], values[6],
                values[7], values[8], values[9]);
    }

    long get(MessageCounter counter) {
        return switch (counter) {
            case TOTAL -> total;
            case COMPLETED -> completed;
            case FAILED -> failed;
            case PENDING -> pending;
            case INBOUND -> inbound;
            case OUTBOUND -> outbound;
            case PROC_SUM -> procSum;
            case PROC_COUNT -> procCount;
            case AGENT_SUM -> agentSum;
            case AGENT_COUNT -> agentCount;
        };
    }

    /** The counters in {@link MessageCounter} order. */
    long[] toArray() {
        return new long[] {total, completed, failed, pending, inbound, outbound, procSum, procCount, agentSum,
            agentCount};
    }

    MessageCounts plus(MessageCounts other) {
        return new MessageCounts(total + other.total, completed + other.completed, failed + other.failed,
                pending + other.pending, inbound + other.inbound, outbound + other.outbound, procSum + other.procSum,
                procCount + other.procCount, agentSum + other.agentSum, agentCount + other.agentCount);
    }

    MessageCounts minus(MessageCounts other) {
        return plus(other.negated());
    }

    MessageCounts negated() {
        return new MessageCounts(-total, -completed, -failed, -pending, -inbound, -outbound, -procSum, -procCount,
                -agentSum, -agentCount);
    }

    boolean isZero() {
        return equals(ZERO);
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
