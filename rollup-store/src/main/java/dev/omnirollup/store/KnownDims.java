package dev.omnirollup.store;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The breakdowns ({@code dims}) of the message rollup rows this process wrote most recently, each with the
 * {@code version} that write gave the row. A row whose version is still the one remembered holds exactly the
 * breakdowns remembered (every write of a row gives it a new version from a sequence, and a transaction rolled back
 * leaves the row's old version), so the writer can add a change to the remembered map in Java and store the result,
 * instead of having PostgreSQL merge the two maps key by key ({@code dims_add}: four fifths of an upsert's time for
 * a per-instance row, finding I15);
 * when the version differs (another process wrote the row, or the write was rolled back) the writer falls back to
 * {@code dims_add}, and a row deleted meanwhile is written anew with the change alone. Forgets the least recently used
 * rows beyond its capacity. Thread-safe.
 */
final class KnownDims {
    /**
     * Rows remembered, a few hundred bytes each: the writer remembers the hour, day and total rows and the newest
     * minute's, about five per active instance and layer (the minute and the hour going on, the hour before, the day,
     * the total), so 20 000 cover some 4 000 active instances; beyond that the least recently written fall back to
     * {@code dims_add}.
     */
    static final int CAPACITY = 20_000;
    /** The distinct breakdown keys shared (channels, types, bins, instances); more are not shared, only kept. */
    private static final int MAX_SHARED_KEYS = 100_000;

    /** A row's version and its breakdowns as of that version. */
    record Known(long version, SortedDims dims) {
    }

    private record Row(short layer, RollupKey key) {
    }

    private final Map<Row, Known> rows;
    private final ConcurrentHashMap<String, String> sharedKeys = new ConcurrentHashMap<>();
    private final LongAdder merged = new LongAdder();

    KnownDims(int capacity) {
        this.rows = new LinkedHashMap<>(Math.min(capacity, 1 << 16), 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Row, Known> eldest) {
                return size() > capacity;
            }
        };
    }

    /** The row's remembered version and breakdowns, or null. */
    synchronized Known get(Layer layer, RollupKey key) {
        return rows.get(new Row(layer.code(), key));
    }

    /** Remembers what a write left in the row. */
    synchronized void put(Layer layer, RollupKey key, long version, SortedDims dims) {
        rows.put(new Row(layer.code(), key), new Known(version, dims));
    }

    /** Counts rows written with breakdowns merged from what was remembered. */
    void merged(int count) {
        merged.add(count);
    }

    /** Rows written so far with breakdowns merged from what was remembered. */
    long mergedRows() {
        return merged.sum();
    }

    synchronized int size() {
        return rows.size();
    }

    /** One instance of each breakdown key's text, so that the remembered maps share their keys. */
    String shared(String key) {
        String existing = sharedKeys.get(key);
        if (existing != null) {
            return existing;
        }
        if (sharedKeys.size() >= MAX_SHARED_KEYS) {
            return key;
        }
        existing = sharedKeys.putIfAbsent(key, key);
        return existing != null ? existing : key;
    }
}
