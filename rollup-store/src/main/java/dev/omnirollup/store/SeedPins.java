package dev.omnirollup.store;

import java.util.Collection;
import org.jdbi.v3.core.Handle;

/**
 * The agreement between backfill and the live receipt fold on the status a pre-cutover {@code omni_events} row
 * counts with in the backfill layer — which Omni's own consumer may change (a {@code message.delivered} it processed
 * completes the row) before or after either of them reads it. Whoever reads a row first fixes that status:
 * <ul>
 *   <li>backfill's first run of a day counts each row with the status it reads and pins the rows whose status
 *       differs from what their event type inserts (received for {@code message.received}, failed for
 *       {@code message.failed}, completed otherwise); the day is then "pinned", and its
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
    private static final String LOCK_DAY = "SELECT 1 FROM pg_advisory_xact_lock(:key, :day)";
    private static final String LOCK_DAY_SHARED = "SELECT 1 FROM pg_advisory_xact_lock_shared(:key, :day)";

    private SeedPins() {
    }

    static void lockDay(Handle handle, long daySecond) {
        handle.createQuery(LOCK_DAY).bind("key", DAY_LOCK).bind("day", dayNumber(daySecond)).mapTo(Integer.class).one();
    }

    /** Takes the shared locks of these days (epoch seconds of their starts), in ascending order. */
    static void lockDaysShared(Handle handle, Collection<Long> daySeconds) {
        for (long day : daySeconds.stream().sorted().distinct().toList()) {
            handle.createQuery(LOCK_DAY_SHARED).bind("key", DAY_LOCK).bind("day", dayNumber(day)).mapTo(Integer.class)
                    .one();
        }
    }

    private static int dayNumber(long daySecond) {
        return Math.toIntExact(Math.floorDiv(daySecond, Grain.DAY.seconds()));
    }
}
