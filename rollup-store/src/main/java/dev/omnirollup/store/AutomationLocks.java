package dev.omnirollup.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * The transaction-scoped advisory lock that keeps the writers of automation rollups (the tail of
 * {@code automation_logs}, backfill; shared) out of the way of {@link AutomationDeletions} (exclusive), which moves
 * a deleted automation's counts out of the rows of every automation.
 */
final class AutomationLocks {
    private static final long KEY = 0x6f6d6e6961757431L; // "omniaut1"

    private AutomationLocks() {
    }

    static void shared(Connection c) throws SQLException {
        lock(c, "SELECT pg_advisory_xact_lock_shared(?)");
    }

    static void exclusive(Connection c) throws SQLException {
        lock(c, "SELECT pg_advisory_xact_lock(?)");
    }

    private static void lock(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, KEY);
            ps.execute();
        }
    }
}
