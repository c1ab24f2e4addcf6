package dev.omnirollup.store;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyOut;

/**
 * The CPU backfill's fold costs once the JIT has compiled it: every day of {@code omni_events} is read into memory
 * as the COPY messages {@link Backfill} reads (not timed), then folded (rows read, folded, spread, written as the
 * binary COPY rows of {@link RollupWriter#foldRows} into nothing, the day's running totals added) three times on
 * this thread; the day counts with its cheapest pass. What the JIT, the collector and the database cost is not in
 * it: with the CPU of reading and writing alone it bounds this design of backfill from below. Stateless.
 */
public final class BackfillFoldFloor {
    private static final long DAY = Grain.DAY.seconds();
    private static final int PASSES = 3;
    /** The day's rows as backfill's first run reads them, without the pins' join (no row is pinned here). */
    private static final String DAY_ROWS = "COPY (SELECT received_at, instance_id, channel, direction, event_type,"
            + " content_type, error_stage, status, processing_time_ms, agent_latency_ms, NULL::uuid FROM omni_events"
            + " WHERE received_at >= '%s' AND received_at < '%s') TO STDOUT (FORMAT binary)";

    private BackfillFoldFloor() {
    }

    /**
     * @param cpuSeconds CPU seconds of this thread in the cheapest pass of every day, summed
     * @param rows       source rows folded (one pass)
     */
    public record Result(double cpuSeconds, long rows) {
    }

    /**
     * Folds every day of the data set's {@code omni_events} before {@code end} (the cutover), as backfill reads them.
     *
     * @param minuteFloor rows from this epoch second on are folded into minute rows too, as backfill does
     */
    public static Result measure(String jdbcUrl, Instant end, long minuteFloor) throws SQLException {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long nanos = 0;
        long rows = 0;
        try (Connection c = DriverManager.getConnection(jdbcUrl)) {
            for (long day = Grain.DAY.bucketOf(oldest(c).getEpochSecond()); day < end.getEpochSecond(); day += DAY) {
                Instant to = Instant.ofEpochSecond(day + DAY);
                List<byte[]> messages = dayMessages(c, day, to.isBefore(end) ? to : end);
                if (messages.isEmpty()) {
                    continue;
                }
                long best = Long.MAX_VALUE;
                for (int pass = 0; pass < PASSES; pass++) {
                    long t0 = threads.getCurrentThreadCpuTime();
                    long folded = fold(messages, day, minuteFloor);
                    best = Math.min(best, threads.getCurrentThreadCpuTime() - t0);
                    if (pass == 0) {
                        rows += folded;
                    }
                }
                nanos += best;
            }
        }
        return new Result(nanos / 1e9, rows);
    }

    private static long fold(List<byte[]> messages, long day, long minuteFloor) {
        CopyBinaryReader reader = new CopyBinaryReader(Backfill.COPY_COLUMNS);
        BackfillFold fold = new BackfillFold(day, minuteFloor);
        StringBuilder pins = new StringBuilder();
        reader.first(messages.getFirst());
        Backfill.foldRows(reader, fold, day, pins);
        for (int i = 1; i < messages.size(); i++) {
            reader.message(messages.get(i));
            Backfill.foldRows(reader, fold, day, pins);
        }
        for (Grain grain : RollupWriter.FOLD_GRAINS) {
            CopyBinaryWriter out = new CopyBinaryWriter(RollupWriter.FOLD_FIELDS, (data, length) -> { });
            RollupWriter.foldRows(out, fold, grain, Layer.BACKFILL, 1);
            out.finish();
        }
        fold.addTotals(new RollupChanges(minuteFloor));
        return fold.rows();
    }

    /** The messages of a COPY of the rows from the day's start to {@code to}. */
    private static List<byte[]> dayMessages(Connection c, long day, Instant to) throws SQLException {
        String sql = String.format(DAY_ROWS, utc(Instant.ofEpochSecond(day)), utc(to));
        CopyOut out = c.unwrap(PGConnection.class).getCopyAPI().copyOut(sql);
        List<byte[]> messages = new ArrayList<>();
        for (byte[] data = out.readFromCopy(); data != null; data = out.readFromCopy()) {
            messages.add(data);
        }
        return messages.size() <= 1 ? List.of() : messages; // the header and the trailer in one message: no row
    }

    private static Instant oldest(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT min(received_at) FROM omni_events")) {
            rs.next();
            LocalDateTime min = rs.getObject(1, LocalDateTime.class);
            return min == null ? Instant.EPOCH : min.toInstant(ZoneOffset.UTC);
        }
    }

    private static LocalDateTime utc(Instant at) {
        return LocalDateTime.ofInstant(at, ZoneOffset.UTC);
    }
}
