package dev.omnirollup.store;

import java.util.List;
import org.jdbi.v3.core.Handle;

/**
 * The instance-led indexes of the minute, hour and day message rows (migration {@code V4}; the definitions here
 * must stay equal to it, which {@code InstanceIndexesTest} checks). A backfill into empty tables — the first one of
 * an installation — drops them, loads its rows with only the primary key to maintain, and builds them once at the
 * end: one sort instead of an index insertion per row. {@link RollupDatabase#migrate} creates any that are missing,
 * so a backfill killed before its end leaves them missing only until the next start of any command.
 */
final class InstanceIndexes {
    private static final List<String> TABLES = List.of("msg_minute", "msg_hour", "msg_day");
    private static final String MISSING = "SELECT to_regclass(:index) IS NULL";
    private static final String LOCK = "LOCK TABLE <rollup>.<table> IN SHARE ROW EXCLUSIVE MODE";
    private static final String DROP = "DROP INDEX IF EXISTS <rollup>.<index>";
    private static final String CREATE =
            "CREATE INDEX IF NOT EXISTS <index> ON <rollup>.<table> (scope, instance_id, bucket)";
    private static final String ANY_ROW = "SELECT EXISTS (SELECT 1 FROM <rollup>.<table>)";
    /** Waits at most this long for a lock (the live ingest holds the tables only for a batch). */
    private static final String LOCK_TIMEOUT = "SET LOCAL lock_timeout = '10s'";

    private InstanceIndexes() {
    }

    /**
     * Drops the indexes when none of their tables has a row, in one transaction that locks the tables first (so no
     * writer adds a row between the check and the drop); false, and nothing dropped, otherwise.
     */
    static boolean dropIfEmpty(RollupDatabase database) {
        try {
            return database.inTransaction(InstanceIndexes::dropIfEmpty);
        } catch (StoreException e) {
            return false; // a writer held a table past the lock timeout: load with the indexes in place
        }
    }

    private static boolean dropIfEmpty(Handle handle) {
        handle.execute(LOCK_TIMEOUT);
        for (String table : TABLES) {
            handle.createUpdate(LOCK).define("table", table).execute();
        }
        for (String table : TABLES) {
            if (handle.createQuery(ANY_ROW).define("table", table).mapTo(Boolean.class).one()) {
                return false;
            }
        }
        for (String table : TABLES) {
            handle.createUpdate(DROP).define("index", index(table)).execute();
        }
        return true;
    }

    /**
     * Creates the indexes that are missing; when all are there it only reads the catalog (a {@code CREATE INDEX IF
     * NOT EXISTS} would lock the table first).
     */
    static void ensure(Handle handle, RollupDatabase database) {
        for (String table : TABLES) {
            if (handle.createQuery(MISSING).bind("index", database.rollup(index(table))).mapTo(Boolean.class).one()) {
                handle.createUpdate(CREATE).define("index", index(table)).define("table", table).execute();
            }
        }
    }

    private static String index(String table) {
        return table + "_by_instance";
    }
}
