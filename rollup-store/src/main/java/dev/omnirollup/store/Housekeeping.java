package dev.omnirollup.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
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

    private final RollupDatabase database;
    private final InstantSource clock;
    private final Duration minuteRetention;
    private final Duration indexHorizon;
    private final int rejectLimit;
    private final AppliedPages pages;
    private final MessageIndex index;

    public Housekeeping(RollupDatabase database, InstantSource clock, Duration minuteRetention, Duration indexHorizon,
                        int rejectLimit) {
        this.database = database;
        this.clock = clock;
        this.minuteRetention = minuteRetention;
        this.indexHorizon = indexHorizon;
        this.rejectLimit = rejectLimit;
        this.pages = new AppliedPages(database);
        this.index = new MessageIndex(database);
    }

    /** What a round deleted; empty when another process holds the round. */
    public record Pruned(boolean ran, long minuteRows, long indexEntries, long rejects, long pages) {
    }

    /** A stream's incarnation and the first sequence it still holds. */
    public record StreamFloor(StreamRef stream, long firstSeq) {
    }

    public Pruned run(List<StreamFloor> streams) {
        return database.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_xact_lock(?)")) {
                ps.setLong(1, LOCK_KEY);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (!rs.getBoolean(1)) {
                        return new Pruned(false, 0, 0, 0, 0);
                    }
                }
            }
            long nowSecond = clock.instant().getEpochSecond();
            long minuteFloor = Grain.MINUTE.bucketOf(nowSecond - minuteRetention.toSeconds());
            long minuteRows = 0;
            // scope leads msg_minute's key: naming both scopes lets the delete use it
            minuteRows += delete(c, "DELETE FROM " + database.rollup("msg_minute") + " WHERE scope IN (0, 1) AND bucket < ?",
                    minuteFloor);
            minuteRows += delete(c, "DELETE FROM " + database.rollup("auto_minute") + " WHERE scope IN (0, 1) AND bucket < ?",
                    minuteFloor);
            long entries = index.prune(c, nowSecond - indexHorizon.toSeconds(), INDEX_PRUNE_CHUNK);
            long rejects = delete(c, "DELETE FROM " + database.rollup("rejects") + " WHERE id <= (SELECT max(id) FROM "
                    + database.rollup("rejects") + ") - ?", rejectLimit);
            long prunedPages = 0;
            for (StreamFloor floor : streams) {
                prunedPages += pages.prune(c, floor.stream().key(), floor.firstSeq());
            }
            return new Pruned(true, minuteRows, entries, rejects, prunedPages);
        });
    }

    private static long delete(Connection c, String sql, long parameter) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, parameter);
            return ps.executeUpdate();
        }
    }
}
