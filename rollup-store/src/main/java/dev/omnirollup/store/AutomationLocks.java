package dev.omnirollup.store;

import org.jdbi.v3.core.Handle;

/**
 * The transaction-scoped advisory lock that keeps the writers of automation rollups (the tail of
 * {@code automation_logs}, backfill; shared) out of the way of {@link AutomationDeletions} (exclusive), which moves
 * a deleted automation's counts out of the rows of every automation.
 */
final class AutomationLocks {
    private static final long KEY = 0x6f6d6e6961757431L; // "omniaut1"
    private static final String SHARED = "SELECT 1 FROM pg_advisory_xact_lock_shared(:key)";
    private static final String EXCLUSIVE = "SELECT 1 FROM pg_advisory_xact_lock(:key)";

    private AutomationLocks() {
    }

    static void shared(Handle handle) {
        handle.createQuery(SHARED).bind("key", KEY).mapTo(Integer.class).one();
    }

    static void exclusive(Handle handle) {
        handle.createQuery(EXCLUSIVE).bind("key", KEY).mapTo(Integer.class).one();
    }
}
