package dev.omnirollup.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Collection;

/**
 * The agreement between backfill and the live receipt fold on the status a pre-cutover {@code omni_events} row
 * counts with in the backfill layer — which Omni's own consumer may change (a {@code message.delivered} it processed
 * completes the row) before or after either of them reads it. Whoever reads a row first fixes that status:
 * <ul>
 *   <li>backfill's first run of a day counts each row with the status it reads and pins the rows whose status
 *       differs from what their event type inserts ({@link #ORIGINAL_STATUS}); the day is then "pinned", and its
 *       unpinned rows count with their event type's status from then on, whatever Omni changes;</li>
 *   <li>the live fold, meeting a row of a day not pinned yet, pins the status it reads;</li>
 *   <li>both respect an existing pin.</li>
 * </ul>
 * A day's backfill holds that day's advisory lock exclusively; the live fold holds it shared while it reads and pins
 * rows of that day, so the two never decide about the same day at once.
 */
final class SeedPins {
    /** First key of the per-day advisory locks ("omnp"). */
    private static final int DAY_LOCK = 0x6f6d6e70;

    /** The status a row of this event type is inserted with by Omni ({@code e} is {@code omni_events}). */
    static final String ORIGINAL_STATUS = "CASE e.event_type WHEN 'message.received' THEN 'received' "
            + "WHEN 'message.failed' THEN 'failed' ELSE 'completed' END";

    private SeedPins() {
    }

    /** The Java twin of {@link #ORIGINAL_STATUS}. */
    static String originalStatus(String eventType) {
        return switch (eventType) {
            case OmniVocabulary.RECEIVED -> "received";
            case OmniVocabulary.FAILED -> "failed";
            default -> "completed";
        };
    }

    static void lockDay(Connection c, long daySecond) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(?, ?)")) {
            ps.setInt(1, DAY_LOCK);
            ps.setInt(2, dayNumber(daySecond));
            ps.execute();
        }
    }

    /** Takes the shared locks of these days (epoch seconds of their starts), in ascending order. */
    static void lockDaysShared(Connection c, Collection<Long> daySeconds) throws SQLException {
        if (daySeconds.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock_shared(?, ?)")) {
            for (long day : daySeconds.stream().sorted().distinct().toList()) {
                ps.setInt(1, DAY_LOCK);
                ps.setInt(2, dayNumber(day));
                ps.execute();
            }
        }
    }

    private static int dayNumber(long daySecond) {
        return Math.toIntExact(Math.floorDiv(daySecond, Grain.DAY.seconds()));
    }
}
