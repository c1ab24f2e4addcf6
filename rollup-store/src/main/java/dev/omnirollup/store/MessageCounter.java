package dev.omnirollup.store;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** The counters of a message rollup row ({@code msg_*}), in column order. */
enum MessageCounter {
    TOTAL("total"),
    COMPLETED("completed"),
    FAILED("failed"),
    PENDING("pending"),
    INBOUND("inbound"),
    OUTBOUND("outbound"),
    PROC_SUM("proc_sum"),
    PROC_COUNT("proc_count"),
    AGENT_SUM("agent_sum"),
    AGENT_COUNT("agent_count");

    /** Every counter's column, in order. */
    static final List<String> COLUMNS = Arrays.stream(values()).map(counter -> counter.column).toList();
    static final int COUNT = values().length;

    final String column;

    MessageCounter(String column) {
        this.column = column;
    }

    /** The counter a row of this direction adds to besides the total, if any. */
    static Optional<MessageCounter> ofDirection(String direction) {
        return switch (direction) {
            case "inbound" -> Optional.of(INBOUND);
            case "outbound" -> Optional.of(OUTBOUND);
            default -> Optional.empty();
        };
    }

    /** The counter a row of this status adds to besides the total, if any ({@code received} has none). */
    static Optional<MessageCounter> ofStatus(String status) {
        return switch (status) {
            case "completed" -> Optional.of(COMPLETED);
            case "failed" -> Optional.of(FAILED);
            case "pending" -> Optional.of(PENDING);
            default -> Optional.empty(); // received, processing and anything else count in the total only
        };
    }
}
