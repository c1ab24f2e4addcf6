package dev.omnirollup.store;

/**
 * Who wrote a rollup row, stored as {@code src}: backfill (Omni's rows before the cutover, code 1) or the live ingest
 * (events from the cutover on), which writes one layer per ingest partition — partition 0 code 0, partition
 * {@code p > 0} code {@code p + 1} — so that workers of different partitions never update the same row. Backfill
 * replaces its own layer a day at a time and never touches a live one; reads sum every layer.
 *
 * @param code the {@code src} column, {@code 0 <= code <= MAX_CODE}
 */
record Layer(short code) {
    /** The highest code: partition {@link Partitioning#MAX_PARTITIONS} - 1's. */
    static final int MAX_CODE = Partitioning.MAX_PARTITIONS;
    /** Every layer, by code (reads look one up per row). */
    private static final Layer[] ALL = new Layer[MAX_CODE + 1];

    static {
        for (int code = 0; code <= MAX_CODE; code++) {
            ALL[code] = new Layer((short) code);
        }
    }

    /** The live layer of partition 0 (of an unpartitioned ingest). */
    static final Layer LIVE = ALL[0];
    static final Layer BACKFILL = ALL[1];

    Layer {
        if (code < 0 || code > MAX_CODE) {
            throw new IllegalArgumentException("unknown layer " + code);
        }
    }

    /** The live layer of an ingest partition. */
    static Layer live(int partition) {
        return of((short) (partition == 0 ? 0 : partition + 1));
    }

    static Layer of(short code) {
        return code >= 0 && code <= MAX_CODE ? ALL[code] : new Layer(code); // the constructor refuses the code
    }
}
