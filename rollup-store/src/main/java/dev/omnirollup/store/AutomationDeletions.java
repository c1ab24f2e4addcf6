package dev.omnirollup.store;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * Follows Omni's deletions of automations: deleting an automation cascades its {@code automation_logs} rows away, so
 * every automation figure upstream drops by what they counted. The rollups keep each automation's own rows (scope 1)
 * beside the rows of every automation (scope 0); a sweep finds automations that have rows here but no longer exist
 * in Omni's {@code automations} table, subtracts their rows from scope 0 in every grain and layer, and deletes them —
 * without reading {@code automation_logs}. Idempotent: rows a writer adds for a deleted automation afterwards are
 * swept by the next round. Thread-safe.
 */
public final class AutomationDeletions {
    private static final String DELETED = """
            SELECT DISTINCT t.automation_id FROM <rollup>.auto_total AS t
             WHERE t.scope = 1 AND NOT EXISTS (SELECT 1 FROM <omni>.automations AS a WHERE a.id = t.automation_id)
             ORDER BY 1
            """;
    private static final String TAKE_OUT = """
            DELETE FROM <rollup>.auto_<grain> WHERE scope = 1 AND automation_id = ANY(:automations::uuid[])
            RETURNING src, bucket, executions, success, failed, skipped, actions, exec_sum, exec_count
            """;

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
        return database.inTransaction(handle -> {
            if (deleted(handle).isEmpty()) {
                return new Swept(List.of(), 0);
            }
            AutomationLocks.exclusive(handle);
            List<UUID> gone = deleted(handle);
            if (gone.isEmpty()) {
                return new Swept(List.of(), 0);
            }
            Map<Layer, RollupChanges> byLayer = new TreeMap<>(Comparator.comparingInt(Layer::code));
            long rows = 0;
            for (Grain grain : Grain.values()) {
                rows += takeOut(handle, grain, gone, byLayer);
            }
            byLayer.forEach((layer, changes) -> writer.write(handle, changes, layer));
            return new Swept(gone, rows);
        });
    }

    /** Automations with rows here that are no longer in Omni's table. */
    private static List<UUID> deleted(Handle handle) {
        return handle.createQuery(DELETED).mapTo(UUID.class).list();
    }

    /** Deletes the automations' rows of one grain and adds their negation to the rows of every automation. */
    private static long takeOut(Handle handle, Grain grain, List<UUID> automations, Map<Layer, RollupChanges> byLayer) {
        List<Map.Entry<Layer, Map.Entry<Long, AutomationCounts>>> removed = handle.createQuery(TAKE_OUT)
                .define("grain", grain.suffix()).bindByType("automations", automations, SqlArrays.UUIDS)
                .map((rs, ctx) -> Map.entry(Layer.of(rs.getShort(1)), Map.entry(rs.getLong(2), new AutomationCounts(
                        rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getLong(6), rs.getLong(7), rs.getLong(8),
                        rs.getLong(9)))))
                .list();
        for (Map.Entry<Layer, Map.Entry<Long, AutomationCounts>> row : removed) {
            byLayer.computeIfAbsent(row.getKey(), k -> new RollupChanges(Long.MIN_VALUE))
                    .add(RollupKey.everyone(grain, row.getValue().getKey()), row.getValue().getValue().negated());
        }
        return removed.size();
    }
}
