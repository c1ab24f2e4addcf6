package dev.omnirollup.store;

import java.util.Arrays;
import java.util.List;

/** The counters of an automation rollup row ({@code auto_*}), in column order. */
enum AutomationCounter {
    EXECUTIONS("executions"),
    SUCCESS("success"),
    FAILED("failed"),
    SKIPPED("skipped"),
    ACTIONS("actions"),
    EXEC_SUM("exec_sum"),
    EXEC_COUNT("exec_count");

    /** Every counter's column, in order. */
    static final List<String> COLUMNS = Arrays.stream(values()).map(counter -> counter.column).toList();
    static final int COUNT = values().length;

    final String column;

    AutomationCounter(String column) {
        this.column = column;
    }
}
