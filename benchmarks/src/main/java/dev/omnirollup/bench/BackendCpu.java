package dev.omnirollup.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/**
 * CPU used by the PostgreSQL backends serving one database (from {@code pg_stat_activity} pids and /proc), so that
 * other databases' work on a shared server does not count. Backends that exit in between are not counted; pooled
 * connections live for the whole run. Not thread-safe.
 */
final class BackendCpu {
    private final String database;
    private final Map<Integer, Double> baseline;

    private BackendCpu(String database) {
        this.database = database;
        this.baseline = read(database);
    }

    /** Remembers the CPU the database's backends have used so far. */
    static BackendCpu start(String database) {
        return new BackendCpu(database);
    }

    /** CPU seconds the database's backends used since {@link #start} (new backends count from their start). */
    double seconds() {
        double sum = 0;
        for (Map.Entry<Integer, Double> now : read(database).entrySet()) {
            sum += now.getValue() - baseline.getOrDefault(now.getKey(), 0.0);
        }
        return sum;
    }

    private static Map<Integer, Double> read(String database) {
        Map<Integer, Double> cpu = new HashMap<>();
        try (Connection c = DriverManager.getConnection(BenchServers.postgresServer());
             PreparedStatement ps = c.prepareStatement("SELECT pid FROM pg_stat_activity WHERE datname = ?")) {
            ps.setString(1, database);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    cpu.put(rs.getInt(1), Procs.cpuSeconds(rs.getInt(1)));
                }
            }
        } catch (SQLException e) {
            // report what we have
        }
        return cpu;
    }
}
