package dev.omnirollup.api;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import dev.omnirollup.store.RollupDatabase;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.mapper.reflect.ConstructorMapper;
import org.jdbi.v3.core.statement.Query;

/**
 * The small Omni tables read live rather than rolled up (they are small and change in place): dead letters by
 * status and event type, stored payloads and their compressed size, instances by channel and {@code is_active}.
 * Kept in a one-entry Caffeine cache that a daemon thread refreshes every {@code live-count-refresh}; requests read
 * the cached snapshot and never wait on the database, except for the very first load. A failed refresh keeps the
 * previous snapshot (and is counted). These counts read whole tables, so where a refresh takes longer than a
 * twentieth of the period (a few million stored payloads), the next one waits twenty times as long as it took: the
 * refreshes keep a database backend busy at most 5 % of the time, whatever the tables' size. Thread-safe.
 */
final class LiveCounts implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(LiveCounts.class.getName());
    private static final String KEY = "live";
    /** The next refresh waits at least this many times as long as the last one took. */
    static final int IDLE_PER_BUSY = 20;

    private static final String DEAD_LETTERS_BY_STATUS =
            "SELECT status AS name, count(*) AS count FROM <omni>.dead_letter_events GROUP BY status";
    private static final String DEAD_LETTERS_BY_EVENT_TYPE =
            "SELECT event_type AS name, count(*) AS count FROM <omni>.dead_letter_events GROUP BY event_type";
    private static final String STORED_PAYLOADS = "SELECT count(*) AS count,"
            + " coalesce(sum(payload_size_compressed), 0) AS bytes FROM <omni>.event_payloads WHERE deleted_at IS NULL";
    private static final String INSTANCES = "SELECT id, channel, is_active FROM <omni>.instances";

    /** A {@code GROUP BY} row: the group's value (none for NULL) and its row count. */
    record GroupCount(Optional<String> name, long count) {
    }

    /** The payloads not deleted, and the sum of their compressed sizes. */
    record StoredPayloads(long count, long bytes) {
    }

    /** One row of Omni's {@code instances}. */
    record InstanceRow(UUID id, String channel, boolean isActive) {
    }

    private static final RowMapper<GroupCount> GROUP_COUNT = ConstructorMapper.of(GroupCount.class);
    private static final RowMapper<StoredPayloads> STORED = ConstructorMapper.of(StoredPayloads.class);
    private static final RowMapper<InstanceRow> INSTANCE = ConstructorMapper.of(InstanceRow.class);

    /** Dead-letter counts by status and event type (all statuses). */
    record DeadLetters(long total, long pending, long retrying, long resolved, long abandoned,
                       Map<String, Long> byEventType) {
        DeadLetters {
            byEventType = Map.copyOf(byEventType);
        }
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

    private final Jdbi jdbi;
    private final LoadingCache<String, Snapshot> cache;
    private final ScheduledExecutorService refresher;
    private final AtomicLong refreshFailures = new AtomicLong();
    private final Duration period;
    private volatile long lastRefreshNanos;

    LiveCounts(RollupDatabase database, Duration refreshEvery) {
        this.jdbi = database.jdbi();
        this.cache = Caffeine.newBuilder().maximumSize(1).executor(Runnable::run).build(key -> load());
        this.refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "omni-rollup-live-counts");
            thread.setDaemon(true);
            return thread;
        });
        this.period = refreshEvery;
        refresher.schedule(this::refreshAndReschedule, period.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** How long to wait after a refresh that took {@code lastRefresh}: the period, or longer after a slow one. */
    static Duration nextDelay(Duration period, Duration lastRefresh) {
        Duration paced = lastRefresh.multipliedBy(IDLE_PER_BUSY);
        return paced.compareTo(period) > 0 ? paced : period;
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

    /** How long the last background refresh took. */
    Duration lastRefresh() {
        return Duration.ofNanos(lastRefreshNanos);
    }

    private void refreshAndReschedule() {
        long start = System.nanoTime();
        try {
            refreshNow();
        } catch (RuntimeException e) {
            refreshFailures.incrementAndGet();
            LOG.log(Level.WARNING, "refreshing live counts failed; keeping the previous ones: {0}", e.getMessage());
        }
        lastRefreshNanos = System.nanoTime() - start;
        try {
            refresher.schedule(this::refreshAndReschedule, nextDelay(period, lastRefresh()).toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closed meanwhile
        }
    }

    private Snapshot load() {
        return jdbi.withHandle(handle -> {
            Map<String, Long> byStatus = groupCounts(handle.createQuery(DEAD_LETTERS_BY_STATUS));
            Map<String, Long> byEventType = groupCounts(handle.createQuery(DEAD_LETTERS_BY_EVENT_TYPE));
            long total = byStatus.values().stream().mapToLong(Long::longValue).sum();
            DeadLetters deadLetters = new DeadLetters(total, byStatus.getOrDefault("pending", 0L),
                    byStatus.getOrDefault("retrying", 0L), byStatus.getOrDefault("resolved", 0L),
                    byStatus.getOrDefault("abandoned", 0L), byEventType);
            StoredPayloads payloads = handle.createQuery(STORED_PAYLOADS).map(STORED).one();
            List<InstanceRow> rows = handle.createQuery(INSTANCES).map(INSTANCE).list();
            return new Snapshot(deadLetters, payloads.count(), payloads.bytes(), instances(rows));
        });
    }

    /** Row count per group; a NULL group is left out. */
    private static Map<String, Long> groupCounts(Query query) {
        Map<String, Long> counts = new TreeMap<>();
        for (GroupCount group : query.map(GROUP_COUNT).list()) {
            group.name().ifPresent(name -> counts.put(name, group.count()));
        }
        return counts;
    }

    private static Instances instances(List<InstanceRow> rows) {
        long connected = 0;
        Map<String, Long> byChannel = new TreeMap<>();
        Set<UUID> ids = new HashSet<>();
        for (InstanceRow row : rows) {
            ids.add(row.id());
            byChannel.merge(row.channel(), 1L, Long::sum);
            connected += row.isActive() ? 1 : 0;
        }
        return new Instances(ids.size(), connected, byChannel, ids);
    }

    @Override
    public void close() {
        refresher.shutdownNow();
    }
}
