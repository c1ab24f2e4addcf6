package dev.omnirollup.api;

import dev.omnirollup.store.RollupDatabase;
import dev.omnirollup.store.RollupReader;
import dev.omnirollup.store.RootCause;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamOptions;
import io.nats.client.api.ConsumerInfo;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The checks behind {@code /api/v2/health}, and the {@link HealthReport} built from them: the database
 * ({@code SELECT 1} round trip), NATS (connected, and JetStream answering an account-info request), and the ingest
 * per stream (last applied sequence, age of the newest applied event and of the last commit, consumer lag from the
 * durable consumer's info).
 *
 * <p>The ingest check of a stream fails when the durable consumer does not exist (the ingest never started), when
 * NATS cannot be asked (lag unknown), or when messages are waiting ({@code lag > 0}) and nothing was applied for
 * {@code ingest-stall-threshold} (a stalled ingest). An idle stream with no lag is ok even when its last event is
 * old. What NATS says is reused for {@link #TTL}; health's own database check is always fresh, so a 503 is never
 * stale. Thread-safe.
 */
final class HealthProbe {
    /** How long the NATS checks (and the dashboard's database check) are reused. */
    static final Duration TTL = Duration.ofSeconds(1);
    private static final Duration NATS_TIMEOUT = Duration.ofSeconds(1);

    /**
     * The ingest's streams and durable consumer, the consumers of its partitions (the consumer itself when it has
     * one), and how long waiting messages may go unapplied.
     */
    record IngestSettings(List<String> streams, String consumer, List<String> consumers, Duration stallAfter) {
        IngestSettings {
            streams = List.copyOf(streams);
            consumers = List.copyOf(consumers);
        }
    }

    /** What a durable consumer said of itself, or why it could not be asked. */
    private record ConsumerState(Optional<Long> lag, Optional<Long> ackPending, Optional<String> error) {
    }

    /**
     * A value computed at most once per {@link #TTL}: what NATS says changes slowly, and health is polled by load
     * balancers and dashboards, so it must not cost a round trip to NATS per request.
     */
    private final class ReusedForTtl<T> {
        private final Supplier<T> compute;
        private volatile Optional<T> value = Optional.empty();
        private volatile long computedAtMs = Long.MIN_VALUE;

        ReusedForTtl(Supplier<T> compute) {
            this.compute = compute;
        }

        T get() {
            long now = clock.millis();
            Optional<T> current = value;
            if (current.isEmpty() || now - computedAtMs >= TTL.toMillis()) {
                current = Optional.of(compute.get());
                value = current;
                computedAtMs = now;
            }
            return current.get();
        }
    }

    private final RollupDatabase database;
    private final RollupReader reader;
    private final LiveCounts live;
    private final Optional<Connection> nats;
    private final InstantSource clock;
    private final IngestSettings ingest;
    private final String version;
    private final Instant startedAt;
    private final ReusedForTtl<HealthReport.Nats> recentNats;
    private final ReusedForTtl<Map<String, ConsumerState>> recentConsumers;
    private final ReusedForTtl<HealthReport.Database> recentDatabase;

    /** @param version this build's version, reported as is; the uptime counts from now */
    HealthProbe(RollupDatabase database, RollupReader reader, LiveCounts live, Optional<Connection> nats,
                InstantSource clock, IngestSettings ingest, String version) {
        this.database = database;
        this.reader = reader;
        this.live = live;
        this.nats = nats;
        this.clock = clock;
        this.ingest = ingest;
        this.version = version;
        this.startedAt = clock.instant();
        this.recentNats = new ReusedForTtl<>(this::askNats);
        this.recentConsumers = new ReusedForTtl<>(this::askConsumers);
        this.recentDatabase = new ReusedForTtl<>(this::checkDatabase);
    }

    /**
     * Every check now (NATS as of at most {@link #TTL} ago), the database's beside NATS's; and the instances from
     * the live counts while the database answers.
     */
    HealthReport report(Instant now) {
        ConcurrentRead<HealthReport.Database> databaseRead = ConcurrentRead.start(this::checkDatabase);
        HealthReport.Nats natsCheck = recentNats.get();
        HealthReport.Database databaseCheck = databaseRead.join();
        HealthReport.Ingest ingestCheck = checkIngest(natsCheck.ok(), databaseCheck.ok());
        HealthReport.Vitals vitals = vitals(databaseCheck, natsCheck, now);
        // upstream omits the instances when its instances query throws; with the database away so do we, rather
        // than report the last cached counts
        Optional<LiveCounts.Instances> instances = databaseCheck.ok() ? instances() : Optional.empty();
        return new HealthReport(vitals, ingestCheck, instances);
    }

    /** The database and NATS checks as of at most {@link #TTL} ago (for the dashboard, not for health's status). */
    HealthReport.Vitals recentVitals(Instant now) {
        return vitals(recentDatabase.get(), recentNats.get(), now);
    }

    private HealthReport.Vitals vitals(HealthReport.Database databaseCheck, HealthReport.Nats natsCheck, Instant now) {
        long uptime = Math.max(0, Math.floorDiv(now.toEpochMilli() - startedAt.toEpochMilli(), 1000));
        return new HealthReport.Vitals(databaseCheck, natsCheck, version, uptime, now);
    }

    private Optional<LiveCounts.Instances> instances() {
        try {
            return Optional.of(live.get().instances());
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private HealthReport.Database checkDatabase() {
        long start = System.nanoTime();
        try {
            return new HealthReport.Database(database.ping().toMillis(), Optional.empty());
        } catch (RuntimeException e) {
            return new HealthReport.Database((System.nanoTime() - start) / 1_000_000,
                    Optional.of(RootCause.message(e)));
        }
    }

    private HealthReport.Nats askNats() {
        if (nats.isEmpty()) {
            return new HealthReport.Nats(false, false, Optional.of("Not configured"));
        }
        Connection connection = nats.get();
        if (connection.getStatus() != Connection.Status.CONNECTED) {
            return new HealthReport.Nats(false, false, Optional.of("connection is " + connection.getStatus()));
        }
        try {
            management(connection).getAccountStatistics();
            return new HealthReport.Nats(true, true, Optional.empty());
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            return new HealthReport.Nats(true, false, Optional.of("JetStream: " + RootCause.message(e)));
        }
    }

    /** The ingest check; {@code natsOk} tells whether the consumers can be asked for their lag. */
    private HealthReport.Ingest checkIngest(boolean natsOk, boolean databaseOk) {
        Map<String, RollupReader.Progress> progress = new LinkedHashMap<>();
        Optional<String> progressError = Optional.empty();
        if (databaseOk) {
            try {
                reader.progress().forEach(p -> progress.put(p.stream(), p));
            } catch (RuntimeException e) {
                progressError = Optional.of(RootCause.message(e));
            }
        } else {
            progressError = Optional.of("database unavailable");
        }
        long nowMs = clock.millis();
        List<HealthReport.StreamProgress> streams = new ArrayList<>();
        for (String stream : ingest.streams()) {
            Optional<RollupReader.Progress> p = Optional.ofNullable(progress.get(stream));
            Optional<Long> lag = Optional.empty();
            Optional<Long> ackPending = Optional.empty();
            Optional<String> error = progressError;
            if (natsOk) {
                ConsumerState state = recentConsumers.get().get(stream);
                lag = state.lag();
                ackPending = state.ackPending();
                error = state.error().isPresent() ? state.error() : progressError;
            } else if (error.isEmpty()) {
                error = Optional.of("NATS unavailable: lag unknown");
            }
            if (error.isEmpty() && lag.isPresent() && lag.get() > 0) {
                long sinceApplied = p.map(x -> nowMs - x.lastAppliedMs()).orElse(Long.MAX_VALUE);
                if (sinceApplied > ingest.stallAfter().toMillis()) {
                    error = Optional.of(lag.get() + " messages waiting and nothing applied for "
                            + (p.isPresent() ? sinceApplied / 1000 + " s" : "ever"));
                }
            }
            streams.add(new HealthReport.StreamProgress(stream, p.map(RollupReader.Progress::lastSeq),
                    p.map(x -> nowMs - x.lastEventMs()), p.map(x -> nowMs - x.lastAppliedMs()), lag, ackPending,
                    error));
        }
        return new HealthReport.Ingest(ingest.consumer(), streams);
    }

    /**
     * Per stream: the lag of its slowest partition's consumer and the messages all its consumers have in hand, or
     * the first consumer that could not be asked.
     */
    private Map<String, ConsumerState> askConsumers() {
        Map<String, ConsumerState> states = new LinkedHashMap<>();
        for (String stream : ingest.streams()) {
            ConsumerState state = new ConsumerState(Optional.of(0L), Optional.of(0L), Optional.empty());
            for (String consumer : ingest.consumers()) {
                ConsumerState one = askConsumer(stream, consumer);
                if (one.error().isPresent()) {
                    state = one;
                    break;
                }
                state = new ConsumerState(Optional.of(Math.max(state.lag().orElseThrow(), one.lag().orElseThrow())),
                        Optional.of(state.ackPending().orElseThrow() + one.ackPending().orElseThrow()),
                        Optional.empty());
            }
            states.put(stream, state);
        }
        return states;
    }

    private ConsumerState askConsumer(String stream, String consumer) {
        try {
            ConsumerInfo info = management(nats.orElseThrow()).getConsumerInfo(stream, consumer);
            return new ConsumerState(Optional.of(info.getNumPending()), Optional.of(info.getNumAckPending()),
                    Optional.empty());
        } catch (JetStreamApiException e) {
            return new ConsumerState(Optional.empty(), Optional.empty(), Optional.of(
                    e.getApiErrorCode() == 10014 ? "consumer " + consumer + " does not exist on " + stream
                            : e.getApiErrorCode() == 10059 ? "stream " + stream + " does not exist"
                            : RootCause.message(e)));
        } catch (IOException | RuntimeException e) {
            return new ConsumerState(Optional.empty(), Optional.empty(),
                    Optional.of("consumer info: " + RootCause.message(e)));
        }
    }

    private static JetStreamManagement management(Connection connection) throws IOException {
        return connection.jetStreamManagement(JetStreamOptions.builder().requestTimeout(NATS_TIMEOUT).build());
    }
}
