package dev.omnirollup.store;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;

/**
 * The CPU backfill's fold costs once the JIT has compiled it: every day of a backfill's plan is read into memory as
 * the COPY messages {@link Backfill} reads, through its own statement (not timed), then folded (rows read, folded,
 * spread, written as the binary COPY rows of {@link RollupWriter#foldRows} into nothing, the day's running totals
 * added) three times on this thread; the day counts with its cheapest pass. What the JIT, the collector and the
 * database cost is not in it: with the CPU of reading and writing alone it bounds this design of backfill from below.
 * Stateless.
 */
public final class BackfillFoldFloor {
    private static final long DAY = Grain.DAY.seconds();
    private static final int PASSES = 3;

    private BackfillFoldFloor() {
    }

    /**
     * @param cpuSeconds CPU seconds of this thread in the cheapest pass of every day, summed
     * @param rows       source rows folded (one pass)
     */
    public record Result(double cpuSeconds, long rows) {
    }

    /** Folds every day of {@code plan} as {@code backfill} (on {@code database}) reads it in a first run. */
    public static Result measure(RollupDatabase database, Backfill backfill, Backfill.Plan plan) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long minuteFloor = backfill.minuteFloor();
        long nanos = 0;
        long rows = 0;
        for (long day = plan.firstDay(); day < plan.endDay(); day += DAY) {
            String sql = backfill.eventsCopy(day, new Backfill.Timestamps(day * 1000, plan.dayEndMs(day)), false,
                    false);
            List<byte[]> messages = new ArrayList<>();
            database.withHandle(handle -> {
                PgCopy.out(handle, sql, messages::add);
                return null;
            });
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
}
