package dev.omnirollup.api;

import dev.omnirollup.store.RollupDatabase;
import dev.omnirollup.store.RollupReader;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamOptions;
import io.nats.client.api.ConsumerInfo;
import java.io.IOException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The checks behind {@code /api/v2/health}: the database ({@code SELECT 1} round trip), NATS (connected, and
 * JetStream answering an account-info request), and the ingest per stream (last applied sequence, age of the newest
 * applied event and of the last commit, consumer lag from the durable consumer's info).
 *
 * <p>The ingest check of a stream is {@code error} when the durable consumer does not exist (the ingest never
 * started), when NATS cannot be asked (lag unknown), or when messages are waiting ({@code lag > 0}) and nothing was
 * applied for {@code ingest-stall-threshold} (a stalled ingest). An idle stream with no lag is {@code ok} even when
 * its last event is old. Only a failing database makes the service {@code degraded} (503): the API answers from
 * PostgreSQL, so NATS or ingest trouble is reported in the checks without taking replicas out of rotation.
 * Thread-safe.
 */
final class HealthProbe {
    private static final Duration NATS_TIMEOUT = Duration.ofSeconds(1);

    /** The database check: ok with a latency in whole milliseconds, or the failure's message. */
    record Database(boolean ok, long latencyMs, Optional<String> error) {
        Map<String, Object> json() {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("status", ok ? "ok" : "error");
            out.put("latency", latencyMs);
            error.ifPresent(e -> out.put("error", e));
            return out;
        }
    }

    /** The NATS check. */
    record Nats(boolean connected, boolean jetStream, Optional<String> reason) {
        boolean ok() {
            return connected && jetStream;
        }

        Map<String, Object> json() {
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("connected", connected);
            details.put("jetstream", jetStream);
            reason.ifPresent(r -> details.put("reason", r));
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("status", ok() ? "ok" : "error");
            out.put("details", details);
            return out;
        }
    }

    private final RollupDatabase database;
    private final RollupReader reader;
    private final Optional<Connection> nats;
    private final InstantSource clock;
    private final List<String> streams;
    private final String consumer;
    private final Duration stallAfter;
    private final Memo<Nats> natsMemo;
    private final Memo<Map<String, ConsumerState>> consumersMemo;
    private final Memo<Database> databaseMemo;

    /** What a durable consumer said of itself, or why it could not be asked. */
    private record ConsumerState(Long lag, Long ackPending, String error) {
    }

    /**
     * A value computed at most once per {@link #TTL}: what NATS says changes slowly, and health is polled by load
     * balancers and dashboards, so it must not cost a round trip to NATS per request.
     */
    private final class Memo<T> {
        private final Supplier<T> compute;
        private volatile T value;
        private volatile long computedAtMs = Long.MIN_VALUE;

        Memo(Supplier<T> compute) {
            this.compute = compute;
        }

        T get() {
            long now = clock.millis();
            if (value == null || now - computedAtMs >= TTL.toMillis()) {
                value = compute.get();
                computedAtMs = now;
            }
            return value;
        }
    }

    /** How long the NATS checks (and the dashboard's database latency) are reused. */
    static final Duration TTL = Duration.ofSeconds(1);

    /** @param stallAfter waiting messages with no commit for this long mean a stalled ingest */
    HealthProbe(RollupDatabase database, RollupReader reader, Optional<Connection> nats, InstantSource clock,
                List<String> streams, String consumer, Duration stallAfter) {
        this.database = database;
        this.reader = reader;
        this.nats = nats;
        this.clock = clock;
        this.streams = List.copyOf(streams);
        this.consumer = consumer;
        this.stallAfter = stallAfter;
        this.natsMemo = new Memo<>(this::askNats);
        this.consumersMemo = new Memo<>(this::askConsumers);
        this.databaseMemo = new Memo<>(this::database);
    }

    /** The database check as of at most {@link #TTL} ago (for the dashboard's summary, not for health's status). */
    Database recentDatabase() {
        return databaseMemo.get();
    }

    Database database() {
        long start = System.nanoTime();
        try {
            Duration latency = database.ping();
            return new Database(true, latency.toMillis(), Optional.empty());
        } catch (RuntimeException e) {
            return new Database(false, (System.nanoTime() - start) / 1_000_000, Optional.of(Failures.rootMessage(e)));
        }
    }

    /** The NATS check, as of at most {@link #TTL} ago. */
    Nats nats() {
        return natsMemo.get();
    }

    private Nats askNats() {
        if (nats.isEmpty()) {
            return new Nats(false, false, Optional.of("Not configured"));
        }
        Connection connection = nats.get();
        if (connection.getStatus() != Connection.Status.CONNECTED) {
            return new Nats(false, false, Optional.of("connection is " + connection.getStatus()));
        }
        try {
            management(connection).getAccountStatistics();
            return new Nats(true, true, Optional.empty());
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            return new Nats(true, false, Optional.of("JetStream: " + Failures.rootMessage(e)));
        }
    }

    /** The ingest check; {@code natsOk} tells whether the consumers can be asked for their lag. */
    Map<String, Object> ingest(boolean natsOk, boolean databaseOk) {
        Map<String, RollupReader.Progress> progress = new LinkedHashMap<>();
        Optional<String> progressError = Optional.empty();
        if (databaseOk) {
            try {
                reader.progress().forEach(p -> progress.put(p.stream(), p));
            } catch (RuntimeException e) {
                progressError = Optional.of(Failures.rootMessage(e));
            }
        } else {
            progressError = Optional.of("database unavailable");
        }
        long nowMs = clock.millis();
        boolean allOk = true;
        Map<String, Object> perStream = new LinkedHashMap<>();
        for (String stream : streams) {
            Map<String, Object> out = new LinkedHashMap<>();
            Optional<RollupReader.Progress> p = Optional.ofNullable(progress.get(stream));
            Long lag = null;
            Long ackPending = null;
            String error = progressError.orElse(null);
            if (natsOk) {
                ConsumerState state = consumersMemo.get().get(stream);
                lag = state.lag();
                ackPending = state.ackPending();
                if (state.error() != null) {
                    error = state.error();
                }
            } else {
                error = error == null ? "NATS unavailable: lag unknown" : error;
            }
            if (error == null && lag != null && lag > 0) {
                long sinceApplied = p.map(x -> nowMs - x.lastAppliedMs()).orElse(Long.MAX_VALUE);
                if (sinceApplied > stallAfter.toMillis()) {
                    error = lag + " messages waiting and nothing applied for "
                            + (p.isPresent() ? sinceApplied / 1000 + " s" : "ever");
                }
            }
            out.put("status", error == null ? "ok" : "error");
            out.put("lastSeq", p.map(RollupReader.Progress::lastSeq).orElse(null));
            out.put("lastEventAgeMs", p.map(x -> nowMs - x.lastEventMs()).orElse(null));
            out.put("lastAppliedAgeMs", p.map(x -> nowMs - x.lastAppliedMs()).orElse(null));
            out.put("lag", lag);
            out.put("ackPending", ackPending);
            if (error != null) {
                out.put("error", error);
                allOk = false;
            }
            perStream.put(stream, out);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", allOk ? "ok" : "error");
        out.put("consumer", consumer);
        out.put("streams", perStream);
        return out;
    }

    private Map<String, ConsumerState> askConsumers() {
        Map<String, ConsumerState> states = new LinkedHashMap<>();
        for (String stream : streams) {
            try {
                ConsumerInfo info = management(nats.orElseThrow()).getConsumerInfo(stream, consumer);
                states.put(stream, new ConsumerState(info.getNumPending(), info.getNumAckPending(), null));
            } catch (JetStreamApiException e) {
                states.put(stream, new ConsumerState(null, null, e.getApiErrorCode() == 10014
                        ? "consumer " + consumer + " does not exist on " + stream
                        : e.getApiErrorCode() == 10059 ? "stream " + stream + " does not exist" : Failures.rootMessage(e)));
            } catch (IOException | RuntimeException e) {
                states.put(stream, new ConsumerState(null, null, "consumer info: " + Failures.rootMessage(e)));
            }
        }
        return states;
    }

    private static JetStreamManagement management(Connection connection) throws IOException {
        return connection.jetStreamManagement(JetStreamOptions.builder().requestTimeout(NATS_TIMEOUT).build());
    }

}
