package dev.omnirollup.bench;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a data set's rollups from scratch the way an operator does: drops the rollup schema (named by the
 * documented {@code rollup-schema} setting), runs {@code omni-rollup backfill} with {@code OMNI_ROLLUP_DATABASE_URL}
 * and times it, then vacuums and analyzes the new tables (autovacuum would, minutes later; done now so that it does
 * not run during the measurements). Stateless.
 */
final class LauncherBackfill {
    private LauncherBackfill() {
    }

    /**
     * One backfill run.
     *
     * @param wall    the launcher's wall time, JVM start and migrations included
     * @param summary the launcher's last line (its "backfill done: ..." report)
     */
    record Result(Duration wall, String summary) {
    }

    static Result run(Launcher launcher, String name, String jdbcUrl, String schema, Path logs) {
        return run(launcher, name, jdbcUrl, schema, Map.of(), logs);
    }

    /** One backfill run with more settings (kebab-case keys) than the database and the rollup schema. */
    static Result run(Launcher launcher, String name, String jdbcUrl, String schema, Map<String, String> settings,
                      Path logs) {
        execute(jdbcUrl, List.of("DROP SCHEMA IF EXISTS " + schema + " CASCADE"));
        Map<String, String> all = new HashMap<>(settings);
        all.put("database-url", jdbcUrl);
        all.put("rollup-schema", schema);
        Launcher.Finished done = launcher.runToEnd(name, List.of("backfill"), all, logs, Duration.ofHours(2));
        if (done.exitCode() != 0) {
            throw new IllegalStateException("omni-rollup backfill exited with " + done.exitCode() + ":\n"
                    + ChildJvm.tail(done.output()));
        }
        String summary = done.output().lines().filter(l -> l.startsWith("backfill")).reduce((a, b) -> b)
                .orElse("?").trim();
        execute(jdbcUrl, vacuums(jdbcUrl, schema));
        return new Result(done.wall(), summary);
    }

    private static List<String> vacuums(String jdbcUrl, String schema) {
        List<String> statements = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl);
             PreparedStatement ps = c.prepareStatement("SELECT quote_ident(schemaname) || '.' || quote_ident(tablename)"
                     + " FROM pg_tables WHERE schemaname = ? ORDER BY 1")) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    statements.add("VACUUM ANALYZE " + rs.getString(1));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("listing the tables of " + schema + " failed: " + e.getMessage(), e);
        }
        return statements;
    }

    static void execute(String jdbcUrl, List<String> statements) {
        try (Connection c = DriverManager.getConnection(jdbcUrl); Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(statements + " failed: " + e.getMessage(), e);
        }
    }
}
