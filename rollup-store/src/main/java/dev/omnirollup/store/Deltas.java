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

    /** One automation row: all automations ({@link #SCOPE_ALL}, nil id) or one ({@link #SCOPE_AUTOMATION}). */
    record AutoCell(Grain grain, short scope, UUID automationId, long bucket) {
    }

    /** Automation rows of one automation (scope 0 rows count every automation). */
    static final short SCOPE_AUTOMATION = 1;
    static final UUID ALL_AUTOMATIONS = new UUID(0, 0);

    /** Lock order: the rollup tables' primary key order within a grain. */
    static final Comparator<Cell> CELL_ORDER = Comparator.comparing(Cell::grain)
            .thenComparingInt(Cell::scope).thenComparingLong(Cell::bucket).thenComparing(Cell::instanceId);
    static final Comparator<AutoCell> AUTO_ORDER = Comparator.comparing(AutoCell::grain)
            .thenComparingInt(AutoCell::scope).thenComparingLong(AutoCell::bucket)
            .thenComparing(AutoCell::automationId);

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

        void addAll(Row other) {
            add(values, other.values);
            if (other.dims != null) {
                other.dims.forEach((key, n) -> dim(key, n[0]));
            }
        }

        boolean isZero() {
            return allZero(values) && (dims == null || dims.values().stream().allMatch(v -> v[0] == 0));
        }
    }

    /** The finest key rows are collected under: a minute and an instance (null when the rows have none). */
    private record Fine(long minute, UUID instanceId) {
    }

    private final long minuteFloor;
    /** Changes collected per minute and instance; spread over grains and scopes once, when read. */
    private final Map<Fine, Row> fine = new HashMap<>();
    /** Changes per rollup row. */
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
        Row row = fine.computeIfAbsent(new Fine(Grain.MINUTE.bucketOf(rows.epochSecond()), rows.instanceId()),
                k -> new Row());
        long[] cell = row.values;
        cell[TOTAL] += n;
        int status = statusColumn(rows.status());
        if (status >= 0) {
            cell[status] += n;
        }
        if (rows.direction().equals("inbound")) {
            cell[INBOUND] += n;
        } else if (rows.direction().equals("outbound")) {
            cell[OUTBOUND] += n;
        }
        if (rows.procBin() != null) {
            cell[PROC_SUM] += Long.signum(n) * rows.procSum();
            cell[PROC_COUNT] += n;
            row.dim(Dim.PROCESSING_BIN.mapKey(Long.toString(rows.procBin())), n);
        }
        if (rows.agentBin() != null) {
            cell[AGENT_SUM] += Long.signum(n) * rows.agentSum();
            cell[AGENT_COUNT] += n;
            row.dim(Dim.AGENT_BIN.mapKey(Long.toString(rows.agentBin())), n);
        }
        row.dim(Dim.CHANNEL.mapKey(rows.channel()), n);
        row.dim(Dim.EVENT_TYPE.mapKey(rows.eventType()), n);
        if (rows.contentType() != null) {
            row.dim(Dim.CONTENT_TYPE.mapKey(rows.contentType()), n);
        }
        if (rows.errorStage() != null) {
            row.dim(Dim.ERROR_STAGE.mapKey(rows.errorStage()), n);
        }
    }

    /** Moves {@code n} rows of one bucket and instance from status {@code from} to {@code to}. */
    void moveStatus(long epochSecond, UUID instanceId, String from, String to, long n) {
        if (n == 0 || from.equals(to)) {
            return;
        }
        long[] cell = fine.computeIfAbsent(new Fine(Grain.MINUTE.bucketOf(epochSecond), instanceId),
                k -> new Row()).values;
        int fromColumn = statusColumn(from);
        int toColumn = statusColumn(to);
        if (fromColumn >= 0) {
            cell[fromColumn] -= n;
        }
        if (toColumn >= 0) {
            cell[toColumn] += n;
        }
    }

    /** Spreads what was collected per minute and instance over every grain and both scopes. */
    private void expand() {
        if (fine.isEmpty()) {
            return;
        }
        fine.forEach((key, changes) -> {
            for (Grain grain : GRAINS) {
                long bucket = grain.bucketOf(key.minute());
                if (grain == Grain.MINUTE && bucket < minuteFloor) {
                    continue;
                }
                Row all = row(new Cell(grain, SCOPE_ALL, ALL_INSTANCES, bucket));
                all.addAll(changes);
                if (key.instanceId() != null) {
                    row(new Cell(grain, SCOPE_INSTANCE, key.instanceId(), bucket)).addAll(changes);
                    all.dim(Dim.INSTANCE.mapKey(key.instanceId().toString()), changes.values[TOTAL]);
                }
            }
        });
        fine.clear();
    }

    /**
     * Adds {@code n} executions of one automation with one status (negative {@code n} and sums take them back), to
     * the rows of every automation and to that automation's own rows.
     */
    void addExecutions(long epochSecond, UUID automationId, String status, long n, long actions, long execSum,
                       long execCount) {
        for (Grain grain : GRAINS) {
            long bucket = grain.bucketOf(epochSecond);
            if (grain == Grain.MINUTE && bucket < minuteFloor) {
                continue;
            }
            for (AutoCell key : List.of(new AutoCell(grain, SCOPE_ALL, ALL_AUTOMATIONS, bucket),
                    new AutoCell(grain, SCOPE_AUTOMATION, automationId, bucket))) {
                long[] cell = automation.computeIfAbsent(key, k -> new long[AUTOMATION_COLUMNS.size()]);
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
        other.fine.forEach((key, theirs) -> fine.computeIfAbsent(key, k -> new Row()).addAll(theirs));
        other.message.forEach((cell, theirs) -> row(cell).addAll(theirs));
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
        expand();
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
        expand();
        return message.values().stream().allMatch(Row::isZero) && automation.values().stream().allMatch(Deltas::allZero);
    }

    /** Every non-zero counter, keyed by {@link Cell}, {@link DimCell} or {@link AutoCell}; for tests. */
    Map<Object, List<Long>> snapshot() {
        expand();
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
