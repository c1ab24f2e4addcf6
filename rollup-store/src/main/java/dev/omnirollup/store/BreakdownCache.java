package dev.omnirollup.store;

import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The decoded breakdowns of the rollup rows a reader has read, by row and version: a row's breakdowns are fetched
 * and decoded again only when its version moved (every write of a row gives it a new version). Bounded: beyond
 * {@code maxKeys} cached counts, everything is dropped and refilled by the next reads. Thread-safe.
 */
final class BreakdownCache {
    /** The rows of one grain, scope and instance. */
    record Series(Grain grain, Scope scope, UUID instance) {
    }

    /** A row's key within its series: bucket and layer. */
    record Cached(long bucket, Layer layer, long version, Breakdowns breakdowns) {
    }

    /** Room for every layer code in a bucket's slots. */
    private static final int LAYERS = Layer.MAX_CODE + 1;

    private final ConcurrentHashMap<Series, NavigableMap<Long, Cached>> series = new ConcurrentHashMap<>();
    private final AtomicLong cachedCounts = new AtomicLong();
    private final long maxKeys;

    BreakdownCache(long maxKeys) {
        this.maxKeys = maxKeys;
    }

    /** The cached rows of a series with {@code from <= bucket < to}. */
    List<Cached> in(Series of, long from, long to) {
        NavigableMap<Long, Cached> rows = series.get(of);
        if (rows == null) {
            return List.of();
        }
        return new ArrayList<>(rows.subMap(slot(from, Layer.LIVE), true, to == Long.MAX_VALUE ? Long.MAX_VALUE
                : slot(to, Layer.LIVE), false).values());
    }

    /** The cached breakdowns of a row at exactly this version, or null. */
    Breakdowns get(Series of, long bucket, Layer layer, long version) {
        NavigableMap<Long, Cached> rows = series.get(of);
        Cached cached = rows == null ? null : rows.get(slot(bucket, layer));
        return cached != null && cached.version() == version ? cached.breakdowns() : null;
    }

    void put(Series of, long bucket, Layer layer, long version, Breakdowns breakdowns) {
        if (cachedCounts.addAndGet(breakdowns.size() + 1) > maxKeys) {
            series.clear();
            cachedCounts.set(breakdowns.size() + 1);
        }
        series.computeIfAbsent(of, k -> new ConcurrentSkipListMap<>())
                .put(slot(bucket, layer), new Cached(bucket, layer, version, breakdowns));
    }

    /** Orders rows by bucket, then layer; buckets are epoch seconds (or 0), far from overflowing. */
    private static long slot(long bucket, Layer layer) {
        if (bucket == Long.MIN_VALUE) {
            return Long.MIN_VALUE;
        }
        return bucket * LAYERS + layer.code();
    }
}
