package dev.omnirollup.api;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import dev.omnirollup.store.RollupDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The small Omni tables read live (DESIGN §4): dead letters by status and event type, stored payloads and their
 * compressed size, instances by channel and {@code is_active}. Kept in a one-entry Caffeine cache that a daemon
 * thread refreshes every {@code live-count-refresh}; requests read the cached snapshot and never wait on the
 * database, except for the very first load. A failed refresh keeps the previous snapshot (and is counted).
 * Thread-safe.
 */
final class LiveCounts implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(LiveCounts.class.getName());
    private static final String KEY = "live";

    /** Dead-letter counts by status and event type (all statuses). */
    record DeadLetters(long total, long pending, long retrying, long resolved, long abandoned,
                       Map<String, Long> byEventType) {
    }

    /**
     * Instances: all rows, {@code is_active} rows, all rows per channel, and the ids of the instances that exist
     * (Omni deletes instances; their events stay in the totals but leave every per-instance figure).
     */
    record Instances(long total, long connected, Map<String, Long> byChannel, Set<UUID> ids) {
        Instances {
            byChannel = Map.copyOf(byChannel);
            ids = Set.copyOf(ids);
        }
    }

    /** One consistent-enough reading of the live tables. */
    record Snapshot(DeadLetters deadLetters, long payloadsStored, long storageSizeBytes, Instances instances) {
    }

    private final RollupDatabase database;
    private final LoadingCache<String, Snapshot> cache;
    private final ScheduledExecutorService refresher;
    private final AtomicLong refreshFailures = new AtomicLong();

    LiveCounts(RollupDatabase database, Duration refreshEvery) {
        this.database = database;
        this.cache = Caffeine.newBuilder().maximumSize(1).executor(Runnable::run).build(key -> load());
        this.refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "omni-rollup-live-counts");
            thread.setDaemon(true);
            return thread;
        });
        long period = Math.max(1, refreshEvery.toMillis());
        refresher.scheduleWithFixedDelay(this::refreshQuietly, period, period, TimeUnit.MILLISECONDS);
    }

    /** The newest snapshot; loads synchronously only when none was ever loaded. Throws when that load fails. */
    Snapshot get() {
        return cache.get(KEY);
    }

    /** Reads the tables now and replaces the snapshot (tests and the first start). */
    void refreshNow() {
        cache.put(KEY, load());
    }

    long refreshFailures() {
        return refreshFailures.get();
    }

    private void refreshQuietly() {
        try {
            refreshNow();
        } catch (RuntimeException e) {
            refreshFailures.incrementAndGet();
            LOG.log(Level.WARNING, "refreshing live counts failed; keeping the previous ones: {0}", e.getMessage());
        }
    }

    private Snapshot load() {
        return database.withConnection(c -> {
            Map<String, Long> byStatus = groupCount(c, "SELECT status, count(*) FROM "
                    + database.omni("dead_letter_events") + " GROUP BY status");
            Map<String, Long> byEventType = groupCount(c, "SELECT event_type, count(*) FROM "
                    + database.omni("dead_letter_events") + " GROUP BY event_type");
            long total = byStatus.values().stream().mapToLong(Long::longValue).sum();
            DeadLetters deadLetters = new DeadLetters(total, byStatus.getOrDefault("pending", 0L),
                    byStatus.getOrDefault("retrying", 0L), byStatus.getOrDefault("resolved", 0L),
                    byStatus.getOrDefault("abandoned", 0L), byEventType);
            long payloads;
            long size;
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*), coalesce(sum(payload_size_compressed), 0) FROM "
                    + database.omni("event_payloads") + " WHERE deleted_at IS NULL"); ResultSet rs = ps.executeQuery()) {
                rs.next();
                payloads = rs.getLong(1);
                size = rs.getLong(2);
            }
            long connected = 0;
            Map<String, Long> byChannel = new TreeMap<>();
            Set<UUID> ids = new HashSet<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id, channel, is_active FROM "
                    + database.omni("instances")); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getObject(1, UUID.class));
                    byChannel.merge(rs.getString(2), 1L, Long::sum);
                    connected += rs.getBoolean(3) ? 1 : 0;
                }
            }
            return new Snapshot(deadLetters, payloads, size, new Instances(ids.size(), connected, byChannel, ids));
        });
    }

    private static Map<String, Long> groupCount(Connection c, String sql) throws SQLException {
        Map<String, Long> counts = new TreeMap<>();
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                if (rs.getString(1) != null) {
                    counts.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
        return counts;
    }

    @Override
    public void close() {
        refresher.shutdownNow();
    }
}
