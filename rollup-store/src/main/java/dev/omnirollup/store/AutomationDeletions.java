package dev.omnirollup.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Follows Omni's deletions of automations: deleting an automation cascades its {@code automation_logs} rows away, so
 * every automation figure upstream drops by what they counted. The rollups keep each automation's own rows (scope 1)
 * beside the rows of every automation (scope 0); a sweep finds automations that have rows here but no longer exist
 * in Omni's {@code automations} table, subtracts their rows from scope 0 in every grain and layer, and deletes them —
 * without reading {@code automation_logs}. Idempotent: rows a writer adds for a deleted automation afterwards are
 * swept by the next round. Thread-safe.
 */
public final class AutomationDeletions {
    private static final Grain[] GRAINS = Grain.values();

    private final RollupDatabase database;
    private final RollupWriter writer;

    public AutomationDeletions(RollupDatabase database) {
        this.database = database;
        this.writer = new RollupWriter(database);
    }

    /**
     * What a sweep did.
     *
     * @param automations the deleted automations whose counts were taken out
     * @param rows        rollup rows removed
     */
    public record Swept(List<UUID> automations, long rows) {
        public Swept {
            automations = List.copyOf(automations);
        }
    }

    /** Takes the counts of deleted automations out of the rollups, in one transaction. */
    public Swept sweep() {
        return database.inTransaction(c -> {
            if (deleted(c).isEmpty()) {
                return new Swept(List.of(), 0);
            }
            AutomationLocks.exclusive(c);
            List<UUID> gone = deleted(c);
            if (gone.isEmpty()) {
                return new Swept(List.of(), 0);
            }
            Map<Short, Deltas> byLayer = new TreeMap<>();
            long rows = 0;
            for (Grain grain : GRAINS) {
                rows += takeOut(c, grain, gone, byLayer);
            }
            for (Map.Entry<Short, Deltas> layer : byLayer.entrySet()) {
                writer.write(c, layer.getValue(), layer.getKey());
            }
            return new Swept(gone, rows);
        });
    }

    /** Automations with rows here that are no longer in Omni's table. */
    private List<UUID> deleted(Connection c) throws SQLException {
        List<UUID> gone = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT DISTINCT t.automation_id FROM "
                + database.rollup("auto_total") + " AS t WHERE t.scope = 1 AND NOT EXISTS (SELECT 1 FROM "
                + database.omni("automations") + " AS a WHERE a.id = t.automation_id) ORDER BY 1");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                gone.add(rs.getObject(1, UUID.class));
            }
        }
        return gone;
    }

    /** Deletes the automations' rows of one grain and adds their negation to the rows of every automation. */
    private long takeOut(Connection c, Grain grain, List<UUID> automations, Map<Short, Deltas> byLayer)
            throws SQLException {
        List<String> columns = Deltas.AUTOMATION_COLUMNS;
        long rows = 0;
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + database.rollup("auto_" + grain.suffix())
                + " WHERE scope = 1 AND automation_id = ANY(?::uuid[]) RETURNING src, bucket, "
                + String.join(", ", columns))) {
            ps.setArray(1, c.createArrayOf("uuid", automations.toArray(UUID[]::new)));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long[] values = new long[columns.size()];
                    for (int i = 0; i < values.length; i++) {
                        values[i] = -rs.getLong(3 + i);
                    }
                    byLayer.computeIfAbsent(rs.getShort(1), k -> new Deltas(Long.MIN_VALUE)).addAutomationCell(
                            new Deltas.AutoCell(grain, Deltas.SCOPE_ALL, Deltas.ALL_AUTOMATIONS, rs.getLong(2)), values);
                    rows++;
                }
            }
        }
        return rows;
    }
}
