package dev.omnirollup.store;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Counter deltas pre-aggregated for one write: every counter cell appears once however many events touched it,
 * so a batch writes each rollup row once. Not thread-safe; one per batch.
 */
final class Deltas {
    static final UUID ALL_INSTANCES = new UUID(0, 0);
    static final short SCOPE_ALL = 0;
    static final short SCOPE_INSTANCE = 1;

    /** Column order of the wide message rows ({@code msg_*}). */
    static final List<String> MESSAGE_COLUMNS = List.of("total", "completed", "failed", "pending", "inbound",
            "outbound", "proc_sum", "proc_count", "agent_sum", "agent_count");
    static final int TOTAL = 0, COMPLETED = 1, FAILED = 2, PENDING = 3, INBOUND = 4, OUTBOUND = 5,
            PROC_SUM = 6, PROC_COUNT = 7, AGENT_SUM = 8, AGENT_COUNT = 9;

    /** Column order of the automation rows ({@code auto_*}). */
    static final List<String> AUTOMATION_COLUMNS =
            List.of("executions", "success", "failed", "skipped", "actions", "exec_sum", "exec_count");
    static final int EXECUTIONS = 0, SUCCESS = 1, AUTO_FAILED = 2, SKIPPED = 3, ACTIONS = 4, EXEC_SUM = 5,
            EXEC_COUNT = 6;

    private static final Grain[] GRAINS = Grain.values();

    record Cell(Grain grain, short scope, UUID instanceId, long bucket) {
    }

    record DimCell(Grain grain, short scope, UUID instanceId, long bucket, Dim dim, String key) {
    }

    record AutoCell(Grain grain, long bucket) {
    }

    static final Comparator<Cell> CELL_ORDER = Comparator.comparing(Cell::grain)
            .thenComparingInt(Cell::scope).thenComparing(Cell::instanceId).thenComparingLong(Cell::bucket);
    static final Comparator<DimCell> DIM_ORDER = Comparator.comparing(DimCell::grain)
            .thenComparingInt(DimCell::scope).thenComparing(DimCell::instanceId).thenComparingLong(DimCell::bucket)
            .thenComparing(DimCell::dim).thenComparing(DimCell::key);
    static final Comparator<AutoCell> AUTO_ORDER =
            Comparator.comparing(AutoCell::grain).thenComparingLong(AutoCell::bucket);

    private final long minuteFloor;
    private final Map<Cell, long[]> message = new HashMap<>();
    private final Map<DimCell, long[]> dims = new HashMap<>();
    private final Map<AutoCell, long[]> automation = new HashMap<>();

    /**
     * @param minuteFloor minute buckets before this epoch second are left out: they are past the minute
     *                    retention and pruned, and reads never use them
     */
    Deltas(long minuteFloor) {
        this.minuteFloor = minuteFloor;
    }

    /** Adds (or, with negative {@code n}, removes) {@code n} rows shaped like {@code rows}. */
    void addRows(RowGroup rows, long n) {
        if (n == 0) {
            return;
        }
        long procCount = rows.procBin() == null ? 0 : n;
        long agentCount = rows.agentBin() == null ? 0 : n;
        long procSum = Long.signum(n) * rows.procSum();
        long agentSum = Long.signum(n) * rows.agentSum();
        for (Grain grain : GRAINS) {
            long bucket = grain.bucketOf(rows.epochSecond());
            if (grain == Grain.MINUTE && bucket < minuteFloor) {
                continue;
            }
            forEachScope(rows.instanceId(), (scope, instance) -> {
                long[] cell = message.computeIfAbsent(new Cell(grain, scope, instance, bucket), k -> new long[10]);
                cell[TOTAL] += n;
                addStatus(cell, rows.status(), n);
                if (rows.direction().equals("inbound")) {
                    cell[INBOUND] += n;
                } else if (rows.direction().equals("outbound")) {
                    cell[OUTBOUND] += n;
                }
                cell[PROC_SUM] += procSum;
                cell[PROC_COUNT] += procCount;
                cell[AGENT_SUM] += agentSum;
                cell[AGENT_COUNT] += agentCount;
                addDim(grain, scope, instance, bucket, Dim.CHANNEL, rows.channel(), n);
                addDim(grain, scope, instance, bucket, Dim.EVENT_TYPE, rows.eventType(), n);
                if (rows.contentType() != null) {
                    addDim(grain, scope, instance, bucket, Dim.CONTENT_TYPE, rows.contentType(), n);
                }
                if (rows.errorStage() != null) {
                    addDim(grain, scope, instance, bucket, Dim.ERROR_STAGE, rows.errorStage(), n);
                }
                if (rows.procBin() != null) {
                    addDim(grain, scope, instance, bucket, Dim.PROCESSING_BIN, Long.toString(rows.procBin()), n);
                }
                if (rows.agentBin() != null) {
                    addDim(grain, scope, instance, bucket, Dim.AGENT_BIN, Long.toString(rows.agentBin()), n);
                }
            });
        }
    }

    /** Moves {@code n} rows of one bucket and instance from status {@code from} to {@code to}. */
    void moveStatus(long epochSecond, UUID instanceId, String from, String to, long n) {
        if (n == 0 || from.equals(to)) {
            return;
        }
        for (Grain grain : GRAINS) {
            long bucket = grain.bucketOf(epochSecond);
            if (grain == Grain.MINUTE && bucket < minuteFloor) {
                continue;
            }
            forEachScope(instanceId, (scope, instance) -> {
                long[] cell = message.computeIfAbsent(new Cell(grain, scope, instance, bucket), k -> new long[10]);
                addStatus(cell, from, -n);
                addStatus(cell, to, n);
            });
        }
    }

    /** Adds {@code n} automation executions of one status. */
    void addExecutions(long epochSecond, String status, long n, long actions, long execSum, long execCount) {
        for (Grain grain : GRAINS) {
            long bucket = grain.bucketOf(epochSecond);
            if (grain == Grain.MINUTE && bucket < minuteFloor) {
                continue;
            }
            long[] cell = automation.computeIfAbsent(new AutoCell(grain, bucket), k -> new long[7]);
            cell[EXECUTIONS] += n;
            switch (status) {
                case "success" -> cell[SUCCESS] += n;
                case "failed" -> cell[AUTO_FAILED] += n;
                case "skipped" -> cell[SKIPPED] += n;
                default -> {
                    // other statuses count as executions only, like upstream's totals
                }
            }
            cell[ACTIONS] += actions;
            cell[EXEC_SUM] += execSum;
            cell[EXEC_COUNT] += execCount;
        }
    }

    /** Adds raw values to one message cell (backfill uses it to take back what a replaced day added). */
    void addMessageCell(Cell cell, long[] values) {
        add(message.computeIfAbsent(cell, k -> new long[10]), values);
    }

    void addDimCell(DimCell cell, long n) {
        dims.computeIfAbsent(cell, k -> new long[1])[0] += n;
    }

    void addAutomationCell(AutoCell cell, long[] values) {
        add(automation.computeIfAbsent(cell, k -> new long[7]), values);
    }

    /** Folds another set of deltas into this one. */
    void addAll(Deltas other) {
        other.message.forEach((cell, values) -> add(message.computeIfAbsent(cell, k -> new long[10]), values));
        other.dims.forEach((cell, values) -> dims.computeIfAbsent(cell, k -> new long[1])[0] += values[0]);
        other.automation.forEach((cell, values) -> add(automation.computeIfAbsent(cell, k -> new long[7]), values));
    }

    /** Non-zero message cells of one grain, in lock order. */
    List<Map.Entry<Cell, long[]>> messageCells(Grain grain) {
        List<Map.Entry<Cell, long[]>> cells = new ArrayList<>();
        message.forEach((cell, values) -> {
            if (cell.grain() == grain && !allZero(values)) {
                cells.add(Map.entry(cell, values));
            }
        });
        cells.sort(Map.Entry.comparingByKey(CELL_ORDER));
        return cells;
    }

    List<Map.Entry<DimCell, Long>> dimCells(Grain grain) {
        List<Map.Entry<DimCell, Long>> cells = new ArrayList<>();
        dims.forEach((cell, values) -> {
            if (cell.grain() == grain && values[0] != 0) {
                cells.add(Map.entry(cell, values[0]));
            }
        });
        cells.sort(Map.Entry.comparingByKey(DIM_ORDER));
        return cells;
    }

    List<Map.Entry<AutoCell, long[]>> automationCells(Grain grain) {
        List<Map.Entry<AutoCell, long[]>> cells = new ArrayList<>();
        automation.forEach((cell, values) -> {
            if (cell.grain() == grain && !allZero(values)) {
                cells.add(Map.entry(cell, values));
            }
        });
        cells.sort(Map.Entry.comparingByKey(AUTO_ORDER));
        return cells;
    }

    boolean isEmpty() {
        return message.values().stream().allMatch(Deltas::allZero)
                && dims.values().stream().allMatch(v -> v[0] == 0)
                && automation.values().stream().allMatch(Deltas::allZero);
    }

    /** Every non-zero cell, for tests and diagnostics. */
    Map<Object, List<Long>> snapshot() {
        Map<Object, List<Long>> all = new HashMap<>();
        message.forEach((k, v) -> {
            if (!allZero(v)) {
                all.put(k, java.util.Arrays.stream(v).boxed().toList());
            }
        });
        dims.forEach((k, v) -> {
            if (v[0] != 0) {
                all.put(k, List.of(v[0]));
            }
        });
        automation.forEach((k, v) -> {
            if (!allZero(v)) {
                all.put(k, java.util.Arrays.stream(v).boxed().toList());
            }
        });
        return all;
    }

    private void addDim(Grain grain, short scope, UUID instance, long bucket, Dim dim, String key, long n) {
        dims.computeIfAbsent(new DimCell(grain, scope, instance, bucket, dim, key), k -> new long[1])[0] += n;
    }

    private static void addStatus(long[] cell, String status, long n) {
        switch (status) {
            case "completed" -> cell[COMPLETED] += n;
            case "failed" -> cell[FAILED] += n;
            case "pending" -> cell[PENDING] += n;
            default -> {
                // received, processing and anything else only count in the total
            }
        }
    }

    private static void forEachScope(UUID instanceId, ScopeConsumer consumer) {
        consumer.accept(SCOPE_ALL, ALL_INSTANCES);
        if (instanceId != null) {
            consumer.accept(SCOPE_INSTANCE, instanceId);
        }
    }

    private static void add(long[] into, long[] values) {
        for (int i = 0; i < values.length; i++) {
            into[i] += values[i];
        }
    }

    private static boolean allZero(long[] values) {
        for (long value : values) {
            if (value != 0) {
                return false;
            }
        }
        return true;
    }

    @FunctionalInterface
    private interface ScopeConsumer {
        void accept(short scope, UUID instance);
    }
}
