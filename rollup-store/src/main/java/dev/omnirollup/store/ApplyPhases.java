package dev.omnirollup.store;

import java.util.Arrays;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * Where the time of applying batches went, phase by phase (elapsed time, waiting for PostgreSQL included): what tells
 * an operator, and the ingest benchmark, whether the external-id index, the fold or the rollup rows bound a worker.
 * Immutable; {@link #plus} adds two.
 */
public final class ApplyPhases {
    /** The phases of one batch's transaction, in the order they run. */
    public enum Phase {
        /** Taking a connection and claiming the batch's sequences in the exactly-once record; sorting the batch out. */
        CLAIM,
        /** Locking the index rows of the batch's external ids, taking back their pending rows, Omni's older rows. */
        INDEX_READ,
        /** The fold itself: every event against its id's state, into counter changes (no I/O). */
        FOLD,
        /** Encoding the ids' new states and writing them, and the pending rows they set aside. */
        INDEX_WRITE,
        /** The rollup rows: built from the fold's changes and upserted, table by table. */
        ROLLUP_WRITE,
        /** Queue snapshots, rejects, the stream's progress, the sequences marked applied. */
        FINISH,
        /** The commit, and the connection back to the pool. */
        COMMIT;

        /** The phase as a metric label ({@code index_read}). */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The phase as words ({@code index read}). */
        public String words() {
            return label().replace('_', ' ');
        }
    }

    private static final Phase[] PHASES = Phase.values();
    /** No time at all. */
    public static final ApplyPhases NONE = new ApplyPhases(new long[PHASES.length]);

    private final long[] nanos;

    private ApplyPhases(long[] nanos) {
        this.nanos = nanos;
    }

    /** The time spent in {@code phase}, in nanoseconds. */
    public long nanos(Phase phase) {
        return nanos[phase.ordinal()];
    }

    /** Both times, phase by phase. */
    public ApplyPhases plus(ApplyPhases other) {
        long[] sum = new long[PHASES.length];
        for (int i = 0; i < sum.length; i++) {
            sum[i] = nanos[i] + other.nanos[i];
        }
        return new ApplyPhases(sum);
    }

    /** {@code claim 0.3 s, index read 2.1 s, …}: every phase with its seconds, one decimal. */
    @Override
    public String toString() {
        StringJoiner text = new StringJoiner(", ");
        for (Phase phase : PHASES) {
            text.add(String.format(Locale.ROOT, "%s %.1f s", phase.words(), nanos(phase) / 1e9));
        }
        return text.toString();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ApplyPhases that && Arrays.equals(nanos, that.nanos);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(nanos);
    }

    /** Times one transaction: each {@link #lap} charges the time since the last one to a phase. Not thread-safe. */
    static final class Stopwatch {
        private final long[] nanos = new long[PHASES.length];
        private long last = System.nanoTime();

        /** Charges the time since the last lap (or the start) to {@code phase}. */
        void lap(Phase phase) {
            long now = System.nanoTime();
            nanos[phase.ordinal()] += now - last;
            last = now;
        }

        ApplyPhases read() {
            return new ApplyPhases(nanos.clone());
        }
    }
}
