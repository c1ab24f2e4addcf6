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

    /** Lock order: the rollup tables' primary key order within a grain. */
    static final Comparator<Cell> CELL_ORDER = Comparator.comparing(Cell::grain)
            .thenComparingInt(Cell::scope).thenComparingLong(Cell::bucket).thenComparing(Cell::instanceId);
    static final Comparator<AutoCell> AUTO_ORDER =
            Comparator.comparing(AutoCell::grain).thenComparingLong(AutoCell::bucket);

    /** The changes to one row: its counters and its breakdowns ({@code "<prefix>:<key>"} to count). */
    private static final class Row {
        final long[] values = new long[MESSAGE_COLUMNS.size()];
        Map<String, long[]> dims;

        void dim(String mapKey, long n) {
            if (dims == null) {
                dims = new HashMap<>(8);
            }
            dims.computeIfAbsent(mapKey, k -> new long[1])[0] += n;
        }

        boolean isZero() {
            return allZero(values) && (dims == null || dims.values().stream().allMatch(v -> v[0] == 0));
        }
    }

    private final long minuteFloor;
    private final Map<Cell, Row> message = new HashMap<>();
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
        int status = statusColumn(rows.status());
        int direction = rows.direction().equals("inbound") ? INBOUND : rows.direction().equals("outbound") ? OUTBOUND : -1;
        String channel = Dim.CHANNEL.mapKey(rows.channel());
        String eventType = Dim.EVENT_TYPE.mapKey(rows.eventType());
        String contentType = rows.contentType() == null ? null : Dim.CONTENT_TYPE.mapKey(rows.contentType());
        String errorStage = rows.errorStage() == null ? null : Dim.ERROR_STAGE.mapKey(rows.errorStage());
        String procBin = rows.procBin() == null ? null : Dim.PROCESSING_BIN.mapKey(Long.toString(rows.procBin()));
        String agentBin = rows.agentBin() == null ? null : Dim.AGENT_BIN.mapKey(Long.toString(rows.agentBin()));
        for (Grain grain : GRAINS) {
            long bucket = grain.bucketOf(rows.epochSecond());
            if (grain == Grain.MINUTE && bucket < minuteFloor) {
                continue;
            }
            for (int scope = 0; scope < (rows.instanceId() == null ? 1 : 2); scope++) {
                Row row = row(new Cell(grain, (short) scope, scope == 0 ? ALL_INSTANCES : rows.instanceId(), bucket));
                long[] cell = row.values;
                cell[TOTAL] += n;
                if (status >= 0) {
                    cell[status] += n;
                }
                if (direction >= 0) {
                    cell[direction] += n;
                }
                cell[PROC_SUM] += procSum;
                cell[PROC_COUNT] += procCount;
                cell[AGENT_SUM] += agentSum;
                cell[AGENT_COUNT] += agentCount;
                row.dim(channel, n);
                row.dim(eventType, n);
                if (contentType != null) {
                    row.dim(contentType, n);
                }
                if (errorStage != null) {
                    row.dim(errorStage, n);
                }
                if (procBin != null) {
                    row.dim(procBin, n);
                }
                if (agentBin != null) {
                    row.dim(agentBin, n);
                }
            }
        }
    }

    /** Moves {@code n} rows of one bucket and instance from status {@code from} to {@code to}. */
    void moveStatus(long epochSecond, UUID instanceId, String from, String to, long n) {
        if (n == 0 || from.equals(to)) {
            return;
        }
        int fromColumn = statusColumn(from);
        int toColumn = statusColumn(to);
        for (Grain grain : GRAINS) {
            long bucket = grain.bucketOf(epochSecond);
            if (grain == Grain.MINUTE && bucket < minuteFloor) {
                continue;
            }
            for (int scope = 0; scope < (instanceId == null ? 1 : 2); scope++) {
                long[] cell = row(new Cell(grain, (short) scope, scope == 0 ? ALL_INSTANCES : instanceId, bucket)).values;
                if (fromColumn >= 0) {
                    cell[fromColumn] -= n;
                }
                if (toColumn >= 0) {
                    cell[toColumn] += n;
                }
            }
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

    /** Adds raw values to one message row (backfill uses it to take back what a replaced day added). */
    void addMessageCell(Cell cell, long[] values) {
        add(row(cell).values, values);
    }

    void addDimCell(DimCell cell, long n) {
        row(new Cell(cell.grain(), cell.scope(), cell.instanceId(), cell.bucket())).dim(cell.dim().mapKey(cell.key()), n);
    }

    void addAutomationCell(AutoCell cell, long[] values) {
        add(automation.computeIfAbsent(cell, k -> new long[7]), values);
    }

    /** Folds another set of deltas into this one. */
    void addAll(Deltas other) {
        other.message.forEach((cell, theirs) -> {
            Row ours = row(cell);
            add(ours.values, theirs.values);
            if (theirs.dims != null) {
                theirs.dims.forEach((key, n) -> ours.dim(key, n[0]));
            }
        });
        other.automation.forEach((cell, values) -> add(automation.computeIfAbsent(cell, k -> new long[7]), values));
    }

    /**
     * A row's worth of changes: its counter deltas and its breakdown deltas as the JSON object the {@code dims}
     * column adds ({@code {}} when none).
     */
    record Packed(Cell cell, long[] values, String dimsJson) {
    }

    /** The non-zero changes of one grain, a row each, in lock order. */
    List<Packed> packedCells(Grain grain) {
        List<Packed> packed = new ArrayList<>();
        message.forEach((cell, row) -> {
            if (cell.grain() == grain && !row.isZero()) {
                Map<String, Long> dims = new java.util.TreeMap<>();
                if (row.dims != null) {
                    row.dims.forEach((key, n) -> {
                        if (n[0] != 0) {
                            dims.put(key, n[0]);
                        }
                    });
                }
                packed.add(new Packed(cell, row.values, DimsJson.write(dims)));
            }
        });
        packed.sort(Comparator.comparing(Packed::cell, CELL_ORDER));
        return packed;
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
        return message.values().stream().allMatch(Row::isZero) && automation.values().stream().allMatch(Deltas::allZero);
    }

    /** Every non-zero counter, keyed by {@link Cell}, {@link DimCell} or {@link AutoCell}; for tests. */
    Map<Object, List<Long>> snapshot() {
        Map<Object, List<Long>> all = new HashMap<>();
        message.forEach((cell, row) -> {
            if (!allZero(row.values)) {
                all.put(cell, java.util.Arrays.stream(row.values).boxed().toList());
            }
            if (row.dims != null) {
                row.dims.forEach((key, n) -> {
                    if (n[0] != 0) {
                        all.put(new DimCell(cell.grain(), cell.scope(), cell.instanceId(), cell.bucket(),
                                Dim.ofPrefix(key.charAt(0)), key.substring(2)), List.of(n[0]));
                    }
                });
            }
        });
        automation.forEach((k, v) -> {
            if (!allZero(v)) {
                all.put(k, java.util.Arrays.stream(v).boxed().toList());
            }
        });
        return all;
    }

    private Row row(Cell cell) {
        return message.computeIfAbsent(cell, k -> new Row());
    }

    private static int statusColumn(String status) {
        return switch (status) {
            case "completed" -> COMPLETED;
            case "failed" -> FAILED;
            case "pending" -> PENDING;
            default -> -1; // received, processing and anything else only count in the total
        };
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
}
