package dev.omnirollup.ingest;

import dev.omnirollup.store.AutomationDeletions;
import dev.omnirollup.store.AutomationLogTail;
import dev.omnirollup.store.BatchApplier;
import dev.omnirollup.store.EventDecoder;
import dev.omnirollup.store.Housekeeping;
import dev.omnirollup.store.Metrics;
import dev.omnirollup.store.NatsEdge;
import dev.omnirollup.store.Partitioning;
import dev.omnirollup.store.RollupDatabase;
import dev.omnirollup.store.StoreException;
import dev.omnirollup.store.StoreSettings;
import dev.omnirollup.store.StreamRef;
import io.nats.client.Connection;
import io.nats.client.ConsumerContext;
import io.nats.client.JetStreamApiException;
import io.nats.client.StreamContext;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.StreamInfo;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The ingest daemon: one worker per stream ({@code MESSAGE}, {@code AUTOMATION}) and partition
 * ({@code ingest-partitions}), each on the partition's durable pull consumer shared by every ingest process, consuming
 * while this process holds the partition in the {@link IngestLease} (every partition, without
 * {@code ingest-single-active}, while no process with another {@code ingest-partitions} runs);
 * the tail of Omni's {@code automation_logs} (every {@code automation-log-poll})
 * and the sweep of deleted automations (every {@code automation-deletion-check}) on a thread of their own;
 * housekeeping and consumer-lag polling once a minute. Start with {@link #start}; {@link #close()} finishes and
 * commits the batches in hand.
 */
public final class IngestDaemon implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(IngestDaemon.class.getName());
    private static final Duration MESSAGE_STREAM_MAX_AGE = Duration.ofDays(30);
    private static final Duration AUTOMATION_STREAM_MAX_AGE = Duration.ofDays(30);
    /** How often a standby tries the lease, and the holder checks its session. */
    private static final Duration LEASE_POLL = Duration.ofSeconds(1);

    private final StoreSettings store;
    private final IngestSettings settings;
    private final Connection nats;
    private final Instant cutover;
    private final List<Consumed> streams;
    private final List<Thread> threads = new ArrayList<>();
    private final ScheduledExecutorService scheduler;
    private final ScheduledExecutorService automationScheduler;
    private final Housekeeping housekeeping;
    private final Map<String, Long> pending = new ConcurrentHashMap<>();
    private final IngestLease lease;

    /** One consumed partition of a stream: its worker and what it knows of the stream. */
    private static final class Consumed {
        final String name;
        final String filter;
        final Partitioning partition;
        final String durable;
        volatile StreamRef ref;
        volatile ConsumerContext consumer;
        /** The consumer's {@code max_ack_pending} ({@code -1}: no limit). */
        volatile long maxAckPending;
        /** Whether the consumer acknowledges cumulatively (AckAll), as it was created. */
        volatile boolean ackAll;
        /** Where the consumer is to start when it is created again, once deleted to be recreated (0: none). */
        volatile long restartAt;
        volatile StreamWorker worker;
        Metrics.Counter recreated;

        Consumed(String name, String filter, Partitioning partition, String durable) {
            this.name = name;
            this.filter = filter;
            this.partition = partition;
            this.durable = durable;
        }
    }

    private IngestDaemon(StoreSettings store, IngestSettings settings, Connection nats, Instant cutover,
                         Housekeeping housekeeping, IngestLease lease, List<Consumed> streams) {
        this.store = store;
        this.streams = streams;
        this.lease = lease;
        this.settings = settings;
        this.nats = nats;
        this.cutover = cutover;
        this.housekeeping = housekeeping;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "ingest-housekeeping");
            thread.setDaemon(true);
            return thread;
        });
        this.automationScheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "ingest-automation-logs");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Records the cutover on first start, creates the streams when missing and the durable consumers, and starts
     * the workers.
     */
    public static IngestDaemon start(StoreSettings store, IngestSettings settings, RollupDatabase database,
                                     Connection nats, InstantSource clock, Metrics metrics) {
        return start(store, settings, database, nats, clock, metrics, CrashHook.fromSystemProperties());
    }

    static IngestDaemon start(StoreSettings store, IngestSettings settings, RollupDatabase database, Connection nats,
                              InstantSource clock, Metrics metrics, CrashHook crashHook) {
        Instant cutover = database.ensureCutover(settings.cutover().orElse(clock.instant()));
        Housekeeping housekeeping = new Housekeeping(database, clock, store.minuteRetention(),
                store.indexHorizon(), settings.rejectLimit());
        List<Consumed> streams = new CopyOnWriteArrayList<>();
        IngestLease lease = settings.singleActive()
                ? IngestLease.start(database::openSession, database.rollupSchema(), store.partitions(),
                        p -> streams.stream().filter(stream -> stream.partition.index() == p)
                                .allMatch(stream -> stream.worker == null || stream.worker.drained()), LEASE_POLL)
                : IngestLease.shared(database::openSession, database.rollupSchema(), store.partitions(), LEASE_POLL);
        try {
            return startWorkers(new IngestDaemon(store, settings, nats, cutover, housekeeping, lease, streams),
                    database, clock, metrics, crashHook);
        } catch (RuntimeException e) {
            lease.close(); // a process that did not start must not keep the others standing by
            throw e;
        }
    }

    private static IngestDaemon startWorkers(IngestDaemon daemon, RollupDatabase database, InstantSource clock,
                                             Metrics metrics, CrashHook crashHook) {
        StoreSettings store = daemon.store;
        IngestSettings settings = daemon.settings;
        IngestLease lease = daemon.lease;
        Instant cutover = daemon.cutover;
        metrics.gauge("omni_rollup_ingest_active", "How many partitions of the streams this process consumes (0 while"
                + " it stands by; ingest-partitions, ingest-single-active).", lease::heldCount);
        BatchApplier applier = new BatchApplier(database,
                new EventDecoder(store.maxEventBytes()),
                clock, store.minuteRetention(), cutover, store.indexHorizon(), settings.singleActive());
        String merges = "Message rollup rows written, by where their breakdown maps were merged: by the ingest, from"
                + " what it remembers of its own last writes (only while it is its rows' only writer:"
                + " ingest-single-active or partitions), or by PostgreSQL's dims_add (new rows included); a batch"
                + " retried counts again.";
        metrics.counter("omni_rollup_ingest_breakdown_rows_total", merges, applier::breakdownsMergedByIngest,
                "merged_by", "ingest");
        metrics.counter("omni_rollup_ingest_breakdown_rows_total", merges, applier::breakdownsMergedByDatabase,
                "merged_by", "database");
        String prefix = store.subjectPrefix();
        int partitions = store.partitions();
        for (String name : List.of(store.messageStream(), store.automationStream())) {
            String filter = prefix + (name.equals(store.messageStream()) ? "message.>" : "automation.>");
            for (int p = 0; p < partitions; p++) {
                daemon.streams.add(new Consumed(name, filter, new Partitioning(partitions, p),
                        store.consumers().get(p)));
            }
            metrics.gauge("omni_rollup_ingest_consumer_pending", "Messages the durable consumer has not delivered yet"
                    + " (the most of its partitions' consumers).", () -> daemon.pending.getOrDefault(name, 0L),
                    "stream", name);
        }
        for (Consumed stream : daemon.streams) {
            daemon.bind(stream);
            int p = stream.partition.index();
            stream.recreated = metrics.counter("omni_rollup_ingest_consumers_recreated_total", "Durable consumers"
                    + " recreated from their ack floor because they held messages pending below it, which a"
                    + " nats-server before 2.9.15 redelivers for ever.", "stream", stream.name);
            stream.worker = new StreamWorker(stream.name, stream.partition, daemon.nats, () -> stream.consumer,
                    () -> stream.ref, applier, prefix, daemon.batchSize(stream), settings.batchWait(),
                    () -> lease.holds(p), () -> stream.ackAll, stream.filter,
                    () -> daemon.recreateIfStranded(stream), crashHook, metrics);
        }
        metrics.gauge("omni_rollup_ingest_cutover_seconds", "The cutover instant (epoch seconds).",
                () -> cutover.getEpochSecond());
        for (Consumed stream : daemon.streams) {
            // the role first: the kernel keeps 15 characters of a thread's name (StreamWorker's collector: "fetch-")
            Thread thread = new Thread(stream.worker, "apply-" + stream.name
                    + (partitions == 1 ? "" : "-p" + stream.partition.index()));
            daemon.threads.add(thread);
            thread.start();
        }
        daemon.scheduler.scheduleWithFixedDelay(daemon::tick, 5, 60, TimeUnit.SECONDS);
        daemon.startAutomationLogs(database, clock, metrics);
        LOG.log(System.Logger.Level.INFO, "ingest started: streams " + daemon.streams.stream().map(s -> s.name)
                .distinct().toList() + ", consumer " + store.consumer()
                + (partitions == 1 ? "" : ", " + partitions + " partitions") + ", cutover " + cutover);
        return daemon;
    }

    private void startAutomationLogs(RollupDatabase database, InstantSource clock, Metrics metrics) {
        AutomationLogTail tail = new AutomationLogTail(database, clock, store.minuteRetention(), cutover,
                settings.automationLogLookback());
        AutomationDeletions deletions = new AutomationDeletions(database);
        Metrics.Counter counted = metrics.counter("omni_rollup_automation_logs_counted_total",
                "automation_logs rows counted by the tail.");
        Metrics.Counter swept = metrics.counter("omni_rollup_automations_deleted_total",
                "Deleted automations whose counts were taken out of the rollups.");
        AtomicLong highWater = new AtomicLong(
                cutover.getEpochSecond());
        metrics.gauge("omni_rollup_automation_logs_high_water_seconds",
                "created_at of the newest automation_logs row counted (epoch seconds).", highWater::get);
        automationScheduler.scheduleWithFixedDelay(() -> {
            try {
                AutomationLogTail.Poll poll = tail.poll();
                counted.add(poll.counted());
                if (poll.ran()) {
                    highWater.set(poll.highWater().getEpochSecond());
                }
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "reading automation_logs failed (retrying): " + e.getMessage());
            }
        }, 0, settings.automationLogPoll().toMillis(), TimeUnit.MILLISECONDS);
        long check = settings.automationDeletionCheck().toMillis();
        automationScheduler.scheduleWithFixedDelay(() -> {
            try {
                AutomationDeletions.Swept result = deletions.sweep();
                if (!result.automations().isEmpty()) {
                    swept.add(result.automations().size());
                    LOG.log(System.Logger.Level.INFO, "took the counts of deleted automations "
                            + result.automations() + " out of the rollups (" + result.rows() + " rows)");
                }
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "sweeping deleted automations failed (retrying): "
                        + e.getMessage());
            }
        }, check, check, TimeUnit.MILLISECONDS);
    }

    /** The cutover in force. */
    public Instant cutover() {
        return cutover;
    }

    /** Whether this process consumes a partition of the streams now, rather than standing by. */
    public boolean isActive() {
        return lease.heldCount() > 0;
    }

    /** The partitions this process consumes now. */
    public List<Integer> activePartitions() {
        return lease.heldPartitions();
    }

    /** True while every worker thread runs and NATS is connected (standing by included). */
    public boolean isHealthy() {
        return threads.stream().allMatch(Thread::isAlive) && nats.getStatus() == Connection.Status.CONNECTED;
    }

    /** Messages not yet delivered by each stream's consumer, as of the last poll. */
    public Map<String, Long> pending() {
        return Map.copyOf(pending);
    }

    private void bind(Consumed stream) {
        try {
            StreamInfo info = NatsEdge.ensureStream(nats, stream.name, stream.filter,
                    stream.filter.endsWith("message.>") ? MESSAGE_STREAM_MAX_AGE : AUTOMATION_STREAM_MAX_AGE);
            stream.ref = new StreamRef(stream.name, info.getCreateTime().toInstant());
            StreamContext context = nats.getStreamContext(stream.name);
            String durable = stream.durable;
            ConsumerContext consumer;
            try {
                ConsumerInfo existing = context.getConsumerInfo(durable);
                stream.maxAckPending = existing.getConsumerConfiguration().getMaxAckPending();
                stream.ackAll = existing.getConsumerConfiguration().getAckPolicy() == AckPolicy.All;
                if (stream.ackAll && stream.partition.count() > 1) {
                    throw new StoreException("durable consumer " + durable + " on " + stream.name + " acknowledges"
                            + " cumulatively (AckAll), but a partition's worker acks each message of the other"
                            + " partitions as it arrives; delete the consumer (it is created again) or run one"
                            + " partition", null);
                }
                if (stream.maxAckPending != settings.maxAckPending()) {
                    applyMaxAckPending(context, stream, existing);
                }
                consumer = context.getConsumerContext(existing.getName());
            } catch (JetStreamApiException e) {
                if (e.getErrorCode() != 404) {
                    throw e;
                }
                stream.maxAckPending = settings.maxAckPending();
                // a partition's worker acks the other partitions' messages as they arrive: each on its own
                stream.ackAll = settings.ackAll() && stream.partition.count() == 1;
                ConsumerConfiguration.Builder config = ConsumerConfiguration.builder()
                        .durable(durable)
                        .filterSubject(stream.filter)
                        .ackPolicy(stream.ackAll ? AckPolicy.All : AckPolicy.Explicit)
                        .ackWait(settings.ackWait())
                        .maxAckPending(settings.maxAckPending())
                        .maxDeliver(-1);
                OptionalLong applied = ConsumerSets.appliedBelow(context, store.consumer(), store.partitions());
                if (stream.restartAt > 0) {
                    config.deliverPolicy(DeliverPolicy.ByStartSequence).startSequence(stream.restartAt);
                } else if (applied.isPresent()) {
                    config.deliverPolicy(DeliverPolicy.ByStartSequence).startSequence(applied.getAsLong());
                } else {
                    config.deliverPolicy(DeliverPolicy.ByStartTime)
                            .startTime(cutover.minus(settings.startMargin()).atZone(ZoneOffset.UTC));
                }
                consumer = context.createOrUpdateConsumer(config.build());
                LOG.log(System.Logger.Level.INFO, "created durable consumer " + durable + " on " + stream.name
                        + " from " + (stream.restartAt > 0 ? "sequence " + stream.restartAt + " (above its ack floor"
                        + " when it was deleted to be recreated)" : applied.isPresent() ? "sequence "
                        + applied.getAsLong() + " (what another number of partitions applied below it)"
                        : cutover.minus(settings.startMargin())));
                stream.restartAt = 0;
            }
            stream.consumer = consumer;
        } catch (IOException | JetStreamApiException e) {
            throw new StoreException("cannot set up stream " + stream.name + " on NATS: " + e.getMessage(), e);
        }
    }

    /**
     * A consumer outlives the settings it was created with: its {@code max_ack_pending} is set to the current
     * setting. Servers before 2.10.12 refuse to update a consumer that starts at a time (nats-server #5127); then
     * the old limit stays, and the worker's batches are cut to half of it so that one can be fetched while the other
     * commits.
     */
    private void applyMaxAckPending(StreamContext context, Consumed stream, ConsumerInfo existing) throws IOException {
        long had = stream.maxAckPending;
        try {
            context.createOrUpdateConsumer(ConsumerConfiguration.builder(existing.getConsumerConfiguration())
                    .maxAckPending(settings.maxAckPending()).build());
            stream.maxAckPending = settings.maxAckPending();
            LOG.log(System.Logger.Level.INFO, "durable consumer " + existing.getName() + " on " + stream.name
                    + ": max ack pending " + had + " -> " + settings.maxAckPending());
        } catch (JetStreamApiException e) {
            LOG.log(System.Logger.Level.WARNING, "durable consumer " + existing.getName() + " on " + stream.name
                    + " keeps max ack pending " + had + " (the server refused " + settings.maxAckPending() + ": "
                    + e.getMessage() + "); batches of at most " + batchSize(stream) + " messages");
        }
    }

    /**
     * Recreates a partition's AckAll consumer from its ack floor when it holds messages pending at or below the floor
     * ({@link CumulativeAcks#stranded}), which no ack can take away on a nats-server before 2.9.15: it would
     * redeliver them every ack wait for ever. Everything at or below the floor is applied (the ingest acks only as far
     * as that), so the new consumer starts above it; what it delivers again that was applied is skipped by the
     * exactly-once record. Called by the partition's applier thread between batches (its acks before went ahead of
     * the deletion on the same connection; those of batches from the old consumer are not sent). Not while other
     * processes consume the same consumer at once ({@code ingest-single-active=false}): their acks could cross the
     * change; there the messages keep coming every ack wait, each found applied.
     */
    private void recreateIfStranded(Consumed stream) {
        if (!settings.singleActive()) {
            return;
        }
        try {
            ConsumerInfo info = stream.consumer.getConsumerInfo();
            long floor = info.getAckFloor().getStreamSequence();
            long delivered = info.getDelivered().getStreamSequence();
            if (!CumulativeAcks.stranded(delivered, floor, info.getNumAckPending())) {
                return;
            }
            StreamContext context = nats.getStreamContext(stream.name);
            ConsumerConfiguration config = ConsumerConfiguration.builder(info.getConsumerConfiguration())
                    .deliverPolicy(DeliverPolicy.ByStartSequence).startSequence(floor + 1).startTime(null).build();
            LOG.log(System.Logger.Level.WARNING, "durable consumer " + stream.durable + " on " + stream.name + " holds "
                    + info.getNumAckPending() + " messages pending, delivered up to sequence " + delivered + ", ack"
                    + " floor " + floor + ": some are at or below the floor, which a nats-server before 2.9.15"
                    + " redelivers for ever; recreating it from sequence " + (floor + 1));
            context.deleteConsumer(stream.durable);
            stream.restartAt = floor + 1; // should the creation fail, the tick's bind starts it there
            stream.consumer = context.createOrUpdateConsumer(config);
            stream.restartAt = 0;
            stream.recreated.inc();
        } catch (IOException | JetStreamApiException e) {
            LOG.log(System.Logger.Level.WARNING, "durable consumer " + stream.durable + " on " + stream.name
                    + " could not be checked or recreated (" + e.getMessage() + ")" + (stream.restartAt > 0
                    ? "; it is created again from sequence " + stream.restartAt + " within a minute" : ""));
        }
    }

    /** The batch size of the worker of the stream so named (for tests). */
    int batchSize(String streamName) {
        return streams.stream().filter(stream -> stream.name.equals(streamName)).findFirst()
                .map(this::batchSize).orElseThrow();
    }

    /**
     * The batch size of a stream's worker: the setting, or half the consumer's ack limit when that is smaller (a
     * limit of 0 or less is none).
     */
    private int batchSize(Consumed stream) {
        if (stream.maxAckPending <= 0) {
            return settings.batchSize();
        }
        return (int) Math.max(1, Math.min(settings.batchSize(), stream.maxAckPending / 2));
    }

    /**
     * Once a minute: consumer lag, a recreated stream or consumer, the consumers of another number of partitions once
     * no process of that number runs, housekeeping.
     */
    private void tick() {
        List<Housekeeping.StreamFloor> floors = new ArrayList<>();
        Map<String, Long> lag = new HashMap<>();
        Map<String, StreamInfo> infos = new HashMap<>(); // once per stream, for all its partitions
        for (Consumed stream : streams) {
            try {
                StreamInfo info = infos.get(stream.name);
                if (info == null) {
                    info = nats.jetStreamManagement().getStreamInfo(stream.name);
                    infos.put(stream.name, info);
                }
                StreamRef current = new StreamRef(stream.name, info.getCreateTime().toInstant());
                if (!current.equals(stream.ref)) {
                    LOG.log(System.Logger.Level.WARNING, "stream " + stream.name + " was recreated; rebinding");
                    stream.restartAt = 0; // a new stream numbers its messages afresh
                    bind(stream);
                }
                if (stream.partition.index() == 0) {
                    floors.add(new Housekeeping.StreamFloor(stream.ref, info.getStreamState().getFirstSequence()));
                    if (lease.consumesAlone()) {
                        dropOtherConsumers(stream);
                    }
                }
                try {
                    ConsumerInfo consumer = stream.consumer.getConsumerInfo();
                    lag.merge(stream.name, consumer.getNumPending(), Math::max);
                } catch (JetStreamApiException e) {
                    if (e.getErrorCode() == 404) {
                        LOG.log(System.Logger.Level.WARNING, "consumer on " + stream.name + " disappeared; recreating");
                        bind(stream);
                    }
                }
            } catch (IOException | JetStreamApiException | RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "stream " + stream.name + " status unavailable: " + e.getMessage());
            }
        }
        pending.putAll(lag);
        try {
            Housekeeping.Pruned pruned = housekeeping.run(floors);
            if (pruned.ran() && pruned.minuteRows() + pruned.indexEntries() + pruned.rejects() + pruned.pages() > 0) {
                LOG.log(System.Logger.Level.DEBUG, "housekeeping: " + pruned);
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "housekeeping skipped: " + e.getMessage());
        }
    }

    /**
     * Deletes our consumers of the stream made for another number of partitions: called only while this process
     * consumes and no process with another number runs, so nothing reads them any more (and the consumers of the
     * number in force were created, from where those had applied, when this process started).
     */
    private void dropOtherConsumers(Consumed stream) throws IOException, JetStreamApiException {
        StreamContext context = nats.getStreamContext(stream.name);
        for (String other : ConsumerSets.others(context, store.consumer(), store.partitions())) {
            if (context.deleteConsumer(other)) {
                LOG.log(System.Logger.Level.INFO, "deleted durable consumer " + other + " on " + stream.name
                        + ": made for another number of partitions than " + store.partitions());
            }
        }
    }

    /** Stops fetching, applies and acks what is in hand, and waits for the workers. */
    @Override
    public void close() {
        scheduler.shutdownNow();
        automationScheduler.shutdownNow();
        streams.forEach(stream -> stream.worker.stop());
        for (Thread thread : threads) {
            try {
                thread.join(Duration.ofSeconds(30).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        lease.close();
        LOG.log(System.Logger.Level.INFO, "ingest stopped");
    }
}
