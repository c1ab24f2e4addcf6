package dev.omnirollup.store;

/** The automation counters of some set of rollup rows. Immutable. */
record AutomationCounts(long executions, long success, long failed, long skipped, long actions, long execSum,
                        long execCount) {
    static final AutomationCounts ZERO = new AutomationCounts(0, 0, 0, 0, 0, 0, 0);

    /** The counters in {@link AutomationCounter} order. */
    static AutomationCounts of(long[] values) {
        if (values.length != AutomationCounter.COUNT) {
            throw new IllegalArgumentException("expected " + AutomationCounter.COUNT + " counters, got "
                    + values.length);
        }
        return new AutomationCounts(values[0], values[1], values[2], values[3], values[4], values[5], values[6]);
    }

    /**
     * {@code n} executions of one status ({@code success}, {@code failed}, {@code skipped}; any other status counts as
     * an execution only, as upstream's totals do), with their actions and execution times.
     */
    static AutomationCounts of(String status, long n, long actions, long execSum, long execCount) {
        return new AutomationCounts(n, status.equals("success") ? n : 0, status.equals("failed") ? n : 0,
                status.equals("skipped") ? n : 0, actions, execSum, execCount);
    }

    long[] toArray() {
        return new long[] {executions, success, failed, skipped, actions, execSum, execCount};
    }

    AutomationCounts plus(AutomationCounts other) {
        return new AutomationCounts(executions + other.executions, success + other.success, failed + other.failed,
                skipped + other.skipped, actions + other.actions, execSum + other.execSum, execCount + other.execCount);
    }

    AutomationCounts negated() {
        return new AutomationCounts(-executions, -success, -failed, -skipped, -actions, -execSum, -execCount);
    }

    boolean isZero() {
        return equals(ZERO);
    }
}
