package dev.omnirollup.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Adds {@link Deltas} to the rollup tables of one layer: one {@code INSERT … SELECT FROM unnest(…) ON CONFLICT
 * DO UPDATE SET n = t.n + excluded.n} per table, rows in a fixed key order so concurrent writers lock them in the
 * same order. Runs inside the caller's transaction.
 */
final class RollupWriter {
    /** Layer written by the live ingest. */
    static final short LIVE = 0;
    /** Layer written by backfill. */
    static final short BACKFILL = 1;

    private final RollupDatabase database;

    RollupWriter(RollupDatabase database) {
        this.database = database;
    }

    void write(Connection c, Deltas deltas, short layer) throws SQLException {
        for (Grain grain : Grain.values()) {
            writeMessages(c, grain, deltas.packedCells(grain), layer);
            writeAutomation(c, grain, deltas.automationCells(grain), layer);
        }
    }

    /**
     * Writes rows that cannot exist yet (backfill deleted its day first) with {@code COPY}, and adds the running
     * totals as {@link #write} does.
     */
    void writeFresh(Connection c, Deltas deltas, short layer) throws SQLException {
        org.postgresql.copy.CopyManager copy = c.unwrap(org.postgresql.PGConnection.class).getCopyAPI();
        for (Grain grain : new Grain[] {Grain.MINUTE, Grain.HOUR, Grain.DAY}) {
            List<Deltas.Packed> cells = deltas.packedCells(grain);
            if (!cells.isEmpty()) {
                StringBuilder rows = new StringBuilder(cells.size() * 160);
                for (Deltas.Packed packed : cells) {
                    rows.append(layer).append('\t').append(packed.cell().scope()).append('\t')
                            .append(packed.cell().instanceId()).append('\t').append(packed.cell().bucket());
                    for (long value : packed.values()) {
                        rows.append('\t').append(value);
                    }
                    rows.append('\t').append(copyText(packed.dimsJson())).append('\n');
                }
                copyIn(copy, "COPY " + database.rollup("msg_" + grain.suffix()) + " (src, scope, instance_id, bucket, "
                        + String.join(", ", Deltas.MESSAGE_COLUMNS) + ", dims) FROM STDIN", rows);
            }
            List<Map.Entry<Deltas.AutoCell, long[]>> auto = deltas.automationCells(grain);
            if (!auto.isEmpty()) {
                StringBuilder rows = new StringBuilder(auto.size() * 64);
                for (Map.Entry<Deltas.AutoCell, long[]> cell : auto) {
                    rows.append(layer).append('\t').append(cell.getKey().scope()).append('\t')
                            .append(cell.getKey().automationId()).append('\t').append(cell.getKey().bucket());
                    for (long value : cell.getValue()) {
                        rows.append('\t').append(value);
                    }
                    rows.append('\n');
                }
                copyIn(copy, "COPY " + database.rollup("auto_" + grain.suffix()) + " (src, scope, automation_id, bucket, "
                        + String.join(", ", Deltas.AUTOMATION_COLUMNS) + ") FROM STDIN", rows);
            }
        }
        writeMessages(c, Grain.TOTAL, deltas.packedCells(Grain.TOTAL), layer);
        writeAutomation(c, Grain.TOTAL, deltas.automationCells(Grain.TOTAL), layer);
    }

    private static void copyIn(org.postgresql.copy.CopyManager copy, String sql, CharSequence rows) throws SQLException {
        try {
            copy.copyIn(sql, new java.io.StringReader(rows.toString()));
        } catch (java.io.IOException e) {
            throw new SQLException("COPY failed: " + e.getMessage(), "08000", e);
        }
    }

    /** A value in COPY's text format: backslashes, tabs and newlines escaped. */
    private static String copyText(String value) {
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r");
    }

    private void writeMessages(Connection c, Grain grain, List<Deltas.Packed> cells, short layer) throws SQLException {
        if (cells.isEmpty()) {
            return;
        }
        List<String> columns = Deltas.MESSAGE_COLUMNS;
        String sql = "INSERT INTO " + database.rollup("msg_" + grain.suffix()) + " AS t (src, scope, instance_id, bucket, "
                + String.join(", ", columns) + ", dims) SELECT ?::smallint, u.scope, u.instance_id, u.bucket, "
                + columns.stream().map(col -> "u." + col).collect(Collectors.joining(", ")) + ", u.dims::jsonb "
                + "FROM unnest(?::smallint[], ?::uuid[], ?::bigint[]" + ", ?::bigint[]".repeat(columns.size())
                + ", ?::text[]) AS u(scope, instance_id, bucket, " + String.join(", ", columns) + ", dims) "
                + "ON CONFLICT (scope, bucket, instance_id, src) DO UPDATE SET "
                + columns.stream().map(col -> col + " = t." + col + " + excluded." + col).collect(Collectors.joining(", "))
                + ", dims = CASE WHEN excluded.dims = '{}'::jsonb THEN t.dims ELSE "
                + database.rollup("dims_add") + "(t.dims, excluded.dims) END, version = nextval('"
                + database.rollup("row_version") + "')";
        int n = cells.size();
        Short[] scopes = new Short[n];
        UUID[] instances = new UUID[n];
        Long[] buckets = new Long[n];
        Long[][] values = new Long[columns.size()][n];
        String[] dims = new String[n];
        for (int i = 0; i < n; i++) {
            Deltas.Packed packed = cells.get(i);
            scopes[i] = packed.cell().scope();
            instances[i] = packed.cell().instanceId();
            buckets[i] = packed.cell().bucket();
            for (int col = 0; col < columns.size(); col++) {
                values[col][i] = packed.values()[col];
            }
            dims[i] = packed.dimsJson();
        }
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setShort(1, layer);
            ps.setArray(2, c.createArrayOf("int2", scopes));
            ps.setArray(3, c.createArrayOf("uuid", instances));
            ps.setArray(4, c.createArrayOf("int8", buckets));
            for (int col = 0; col < columns.size(); col++) {
                ps.setArray(5 + col, c.createArrayOf("int8", values[col]));
            }
            ps.setArray(5 + columns.size(), c.createArrayOf("text", dims));
            ps.executeUpdate();
        }
    }

    private void writeAutomation(Connection c, Grain grain, List<Map.Entry<Deltas.AutoCell, long[]>> cells, short layer)
            throws SQLException {
        if (cells.isEmpty()) {
            return;
        }
        List<String> columns = Deltas.AUTOMATION_COLUMNS;
        String sql = "INSERT INTO " + database.rollup("auto_" + grain.suffix()) + " AS t (src, scope, automation_id, "
                + "bucket, " + String.join(", ", columns) + ") SELECT ?::smallint, u.* FROM unnest(?::smallint[], "
                + "?::uuid[], ?::bigint[]" + ", ?::bigint[]".repeat(columns.size()) + ") AS u "
                + "ON CONFLICT (scope, bucket, automation_id, src) DO UPDATE SET "
                + columns.stream().map(col -> col + " = t." + col + " + excluded." + col).collect(Collectors.joining(", "));
        int n = cells.size();
        Short[] scopes = new Short[n];
        UUID[] automations = new UUID[n];
        Long[] buckets = new Long[n];
        Long[][] values = new Long[columns.size()][n];
        for (int i = 0; i < n; i++) {
            Deltas.AutoCell cell = cells.get(i).getKey();
            scopes[i] = cell.scope();
            automations[i] = cell.automationId();
            buckets[i] = cell.bucket();
            long[] v = cells.get(i).getValue();
            for (int col = 0; col < v.length; col++) {
                values[col][i] = v[col];
            }
        }
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setShort(1, layer);
            ps.setArray(2, c.createArrayOf("int2", scopes));
            ps.setArray(3, c.createArrayOf("uuid", automations));
            ps.setArray(4, c.createArrayOf("int8", buckets));
            for (int col = 0; col < columns.size(); col++) {
                ps.setArray(5 + col, c.createArrayOf("int8", values[col]));
            }
            ps.executeUpdate();
        }
    }
}
