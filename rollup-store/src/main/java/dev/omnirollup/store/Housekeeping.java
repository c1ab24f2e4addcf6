package dev.omnirollup.store;

import java.time.Duration;
import java.time.InstantSource;
import java.util.List;

/**
 * Keeps the state that grows with traffic bounded: minute buckets past their retention, external ids idle past
 * the index horizon, rejects beyond the newest N, exactly-once pages below a stream's first sequence. Only one
 * process does it at a time (an advisory lock); the others skip the round.
 */
public final class Housekeeping {
    private static final long LOCK_KEY = 0x6f6d6e69726f6c6cL; // "omniroll"
    private static final int INDEX_PRUNE_CHUNK = 50_000;
    private static final String TRY_LOCK = "SELECT pg_try_advisory_xact_lock(:key)";
    // scope leads every rollup key: naming both scopes lets the deletes use it
    private static final String PRUNE_MESSAGE_MINUTES =
            "DELETE FROM <rollup>.msg_minute WHERE scope IN (0, 1) AND bucket < :floor";
    private static final String PRUNE_AUTOMATION_MINUTES =
            "DELETE FROM <rollup>.auto_minute WHERE scope IN (0, 1) AND bucket < :floor";
    /**
     * Rejects but the newest {@code :keep}, by id. Not {@code max(id) - keep}: ids have gaps (a batch that wrote
     * rejects and rolled back used some up), so that would keep fewer. One index scan of {@code keep} entries.
     */
    private static final String PRUNE_REJECTS = """
            DELETE FROM <rollup>.rejects
             WHERE id <= (SELECT id FROM <rollup>.rejects ORDER BY id DESC OFFSET :keep LIMIT 1)
            """;

    private final RollupDatabase database;
    private final InstantSource clock;
    private final Duration minuteRetention;
    private final Duration indexHorizon;
    private final int rejectLimit;
    private final AppliedPages pages = new AppliedPages();
    private final MessageIndex index = new MessageIndex();

    public Housekeeping(RollupDatabase database, InstantSource clock, Duration minuteRetention, Duration indexHorizon,
                        int rejectLimit) {
        this.database = database;
        this.clock = clock;
        this.minuteRetention = minuteRetention;
        this.indexHorizon = indexHorizon;
        this.rejectLimit = rejectLimit;
    }

    /** What a round deleted; {@code ran} is false when another process held the round. */
    public record Pruned(boolean ran, long minuteRows, long indexEntries, long rejects, long pages) {
    }

    /** A stream's incarnation and the first sequence it still holds. */
    public record StreamFloor(StreamRef stream, long firstSeq) {
    }

    public Pruned run(List<StreamFloor> streams) {
        return database.inTransaction(handle -> {
            if (!handle.createQuery(TRY_LOCK).bind("key", LOCK_KEY).mapTo(Boolean.class).one()) {
                return new Pruned(false, 0, 0, 0, 0);
            }
            long nowSecond = clock.instant().getEpochSecond();
            long minuteFloor = Grain.MINUTE.bucketOf(nowSecond - minuteRetention.toSeconds());
            long minuteRows = handle.createUpdate(PRUNE_MESSAGE_MINUTES).bind("floor", minuteFloor).execute()
                    + handle.createUpdate(PRUNE_AUTOMATION_MINUTES).bind("floor", minuteFloor).execute();
            long entries = index.prune(handle, nowSecond - indexHorizon.toSeconds(), INDEX_PRUNE_CHUNK);
            long rejects = handle.createUpdate(PRUNE_REJECTS).bind("keep", rejectLimit).execute();
            long prunedPages = 0;
            for (StreamFloor floor : streams) {
                prunedPages += pages.prune(handle, floor.stream(), floor.firstSeq());
            }
            return new Pruned(true, minuteRows, entries, rejects, prunedPages);
        });
    }
}
