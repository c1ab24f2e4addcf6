package dev.omnirollup.store;

import dev.omnirollup.sim.ScratchDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The fixture of the store's database tests: a scratch database with Omni's tables ({@code public}) and
 * omni-rollup's schema ({@code rollup}) migrated, a pool on it, and plain SQL to look at the tables with (so that a
 * test checks the store's writes without the store's own readers). Dropped by {@link #close()}.
 */
final class ScratchRollups implements AutoCloseable {
    final ScratchDatabase omni;
    final RollupDatabase rollups;

    private ScratchRollups(ScratchDatabase omni, RollupDatabase rollups) {
        this.omni = omni;
        this.rollups = rollups;
    }

    static ScratchRollups create(int poolSize) {
        ScratchDatabase omni = ScratchDatabase.create().withOmniSchema();
        try {
            RollupDatabase rollups = RollupDatabase.open(omni.jdbcUrl(), "rollup", "public", poolSize, "test");
            rollups.migrate();
            return new ScratchRollups(omni, rollups);
        } catch (RuntimeException e) {
            omni.close();
            throw e;
        }
    }

    /** Runs a statement (or a script of them) on a new connection. */
    void execute(String sql) {
        try (Connection c = omni.connect(); Statement statement = c.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new AssertionError("running " + sql + " failed: " + e.getMessage(), e);
        }
    }

    /** The single number a query returns (NULL as 0). */
    long scalar(String sql, Object... parameters) {
        List<String> values = column(sql, parameters);
        if (values.size() != 1) {
            throw new AssertionError("expected one row from " + sql + ", got " + values);
        }
        return values.get(0) == null ? 0 : Long.parseLong(values.get(0));
    }

    /** The first column of every row a query returns, as text, in the query's order. */
    List<String> column(String sql, Object... parameters) {
        return rollups.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < parameters.length; i++) {
                    ps.setObject(i + 1, parameters[i]);
                }
                List<String> values = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        values.add(rs.getString(1));
                    }
                }
                return values;
            }
        });
    }

    @Override
    public void close() {
        try {
            rollups.close();
        } finally {
            omni.close();
        }
    }
}
