package dev.omnirollup.bench;

import dev.omnirollup.store.RollupDatabase;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * What any backfill of a data set spends besides reading its columns, measured without omni-rollup's fold: the
 * <em>write floor</em> (the rows a backfill leaves, loaded with {@code COPY} into fresh tables of the same schema,
 * then the indexes a backfill builds at its end) and the <em>start floor</em> (the launcher's {@code backfill} over
 * empty Omni tables: JVM start, migrations, planning, index builds). With the read (one {@code COPY} out of the
 * needed columns) they bound a backfill on this machine from below: PostgreSQL must read and must write, and even a
 * perfect overlap with a free fold needs the machine's CPU seconds of both, spread over its cores. Stateless.
 */
final class BackfillFloors {
    private static final String FLOOR_SCHEMA = "rollup_floor";
    private static final String START_SCHEMA = "rollup_start";
    private static final String EMPTY_OMNI = "omni_empty";

    private BackfillFloors() {
    }

    /**
     * @param seconds    wall time of the loads and index builds (one backend, one statement at a time)
     * @param backendCpu CPU seconds of the database's backends meanwhile
     * @param machineCpu busy CPU seconds of the whole machine meanwhile (/proc/stat): the backends, the WAL writer,
     *                   the index builds' parallel workers, the kernel and the driver sending the rows
     * @param rows       rows loaded
     */
    record Write(double seconds, double backendCpu, double machineCpu, long rows) {
    }

    /**
     * Loads every non-empty table of {@code filled} (a finished backfill's schema) but the migration history into a
     * fresh, migrated schema, in the order the backfill left its rows, without the per-instance indexes, which are
     * then built as a backfill into empty tables builds them.
     */
    static Write write(String jdbcUrl, String database, String filled) throws Exception {
        LauncherBackfill.execute(jdbcUrl, List.of("DROP SCHEMA IF EXISTS " + FLOOR_SCHEMA + " CASCADE"));
        try (RollupDatabase fresh = RollupDatabase.open(jdbcUrl, FLOOR_SCHEMA, "public", 2, "bench-floor")) {
            fresh.migrate();
        }
        try (Connection c = DriverManager.getConnection(jdbcUrl); Statement s = c.createStatement()) {
            Map<String, String> indexes = instanceIndexes(c);
            for (String name : indexes.keySet()) {
                s.execute("DROP INDEX " + FLOOR_SCHEMA + "." + name);
            }
            CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
            Meter meter = new Meter(database);
            long rows = 0;
            for (String table : nonEmptyTables(c, filled)) {
                byte[] dumped = dump(copy, filled + "." + table);
                s.execute("TRUNCATE " + FLOOR_SCHEMA + "." + table);
                rows += meter.time(() -> copy.copyIn("COPY " + FLOOR_SCHEMA + "." + table
                        + " FROM STDIN (FORMAT binary)", new ByteArrayInputStream(dumped)));
            }
            meter.time(() -> {
                for (String definition : indexes.values()) {
                    s.execute(definition);
                }
                return null;
            });
            return new Write(meter.seconds, meter.backendCpu, meter.machineCpu, rows);
        } finally {
            LauncherBackfill.execute(jdbcUrl, List.of("DROP SCHEMA IF EXISTS " + FLOOR_SCHEMA + " CASCADE"));
        }
    }

    /** Wall time, the database's backend CPU and the machine's CPU, summed over the stretches it timed. */
    private static final class Meter {
        private final String database;
        private double seconds;
        private double backendCpu;
        private double machineCpu;

        Meter(String database) {
            this.database = database;
        }

        <T> T time(Callable<T> work) throws Exception {
            BackendCpu backends = BackendCpu.start(database);
            Procs.MachineCpu machine0 = Procs.machineCpu();
            long t0 = System.nanoTime();
            T result = work.call();
            seconds += (System.nanoTime() - t0) / 1e9;
            machineCpu += Procs.machineCpu().minus(machine0).busy();
            backendCpu += backends.seconds();
            return result;
        }
    }

    /** Wall seconds of {@code omni-rollup backfill} over empty copies of Omni's two tables, into an empty schema. */
    static double start(Launcher launcher, String tag, String jdbcUrl, Path logs) {
        List<String> setUp = new ArrayList<>();
        setUp.add("DROP SCHEMA IF EXISTS " + EMPTY_OMNI + " CASCADE");
        setUp.add("CREATE SCHEMA " + EMPTY_OMNI);
        for (String table : List.of("omni_events", "automation_logs")) {
            setUp.add("CREATE TABLE " + EMPTY_OMNI + "." + table + " (LIKE public." + table + " INCLUDING ALL)");
        }
        LauncherBackfill.execute(jdbcUrl, setUp);
        try {
            return LauncherBackfill.run(launcher, tag + "-start", jdbcUrl, START_SCHEMA,
                    Map.of("omni-schema", EMPTY_OMNI), logs).wall().toNanos() / 1e9;
        } finally {
            LauncherBackfill.execute(jdbcUrl, List.of("DROP SCHEMA IF EXISTS " + START_SCHEMA + " CASCADE",
                    "DROP SCHEMA IF EXISTS " + EMPTY_OMNI + " CASCADE"));
        }
    }

    /**
     * A table's rows in COPY's binary format (as backfill writes its bulk rows: no decimal text to parse), in the
     * order it holds them.
     */
    private static byte[] dump(CopyManager copy, String table) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        copy.copyOut("COPY " + table + " TO STDOUT (FORMAT binary)", out);
        return out.toByteArray();
    }

    /** The fresh schema's per-instance indexes (what backfill drops): name to definition, in name order. */
    private static Map<String, String> instanceIndexes(Connection c) throws SQLException {
        Map<String, String> indexes = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT indexname, indexdef FROM pg_indexes"
                + " WHERE schemaname = ? AND indexname LIKE '%\\_by\\_instance' ORDER BY indexname")) {
            ps.setString(1, FLOOR_SCHEMA);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    indexes.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        if (indexes.isEmpty()) {
            throw new IllegalStateException("no per-instance index in " + FLOOR_SCHEMA);
        }
        return indexes;
    }

    private static List<String> nonEmptyTables(Connection c, String schema) throws SQLException {
        List<String> tables = strings(c, "SELECT tablename FROM pg_tables WHERE schemaname = ?"
                + " AND tablename <> 'flyway_schema_history' ORDER BY 1", schema);
        List<String> nonEmpty = new ArrayList<>();
        try (Statement s = c.createStatement()) {
            for (String table : tables) {
                try (ResultSet rs = s.executeQuery("SELECT EXISTS (SELECT 1 FROM " + schema + "." + table + ")")) {
                    rs.next();
                    if (rs.getBoolean(1)) {
                        nonEmpty.add(table);
                    }
                }
            }
        }
        return nonEmpty;
    }

    /** The first column of a one-parameter query's rows. */
    private static List<String> strings(Connection c, String sql, String parameter) throws SQLException {
        List<String> values = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, parameter);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    values.add(rs.getString(1));
                }
            }
        }
        return values;
    }
}
