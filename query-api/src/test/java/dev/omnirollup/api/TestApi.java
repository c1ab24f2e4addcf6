package dev.omnirollup.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.omnirollup.sim.OmniEvent;
import dev.omnirollup.sim.ScratchDatabase;
import dev.omnirollup.store.AutomationLogTail;
import dev.omnirollup.store.BatchApplier;
import dev.omnirollup.store.Config;
import dev.omnirollup.store.EventDecoder;
import dev.omnirollup.store.InboundMessage;
import dev.omnirollup.store.RollupDatabase;
import dev.omnirollup.store.Setting;
import dev.omnirollup.store.StoreSettings;
import dev.omnirollup.store.StreamRef;
import io.nats.client.Connection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** Test support: a scratch database with Omni's tables and the rollup schema, a running API, an HTTP client. */
final class TestApi implements AutoCloseable {
    static final String STATIC_KEY = "omni_sk_" + "S".repeat(32);
    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    final ScratchDatabase scratch;
    final RollupDatabase database;
    final QueryServer server;
    final boolean ownsScratch;

    private TestApi(ScratchDatabase scratch, RollupDatabase database, QueryServer server, boolean ownsScratch) {
        this.scratch = scratch;
        this.database = database;
        this.server = server;
        this.ownsScratch = ownsScratch;
    }

    /** A fresh database with Omni's tables and a migrated rollup schema (no server yet). */
    static ScratchDatabase freshDatabase() {
        ScratchDatabase scratch = ScratchDatabase.create().withOmniSchema();
        try (RollupDatabase database = open(scratch, 2)) {
            database.migrate();
        }
        return scratch;
    }

    static RollupDatabase open(ScratchDatabase scratch, int poolSize) {
        return RollupDatabase.open(scratch.jdbcUrl(), "rollup", "public", poolSize, "query-api-test");
    }

    /** The settings an API reads. */
    static final List<Setting<?>> SETTINGS = Stream.of(StoreSettings.SETTINGS, ApiSettings.SETTINGS)
            .flatMap(List::stream).toList();

    /** Starts an API on {@code scratch} (not closed by this object unless {@code owns}). */
    static TestApi start(ScratchDatabase scratch, boolean owns, InstantSource clock, Map<String, String> settings,
                         Optional<Connection> nats) {
        return start(scratch, owns, open(scratch, 4), clock, settings, nats);
    }

    /** Starts an API on an already opened database (closed with this object). */
    static TestApi start(ScratchDatabase scratch, boolean owns, RollupDatabase database, InstantSource clock,
                         Map<String, String> settings, Optional<Connection> nats) {
        Map<String, String> all = new HashMap<>();
        all.put("http-host", "127.0.0.1");
        all.put("http-port", "0");
        all.put("api-key", STATIC_KEY);
        all.put("rate-limit", "100000000");
        all.put("live-count-refresh", "10m");
        all.putAll(settings);
        Config config = Config.defaults(SETTINGS).with(all);
        return new TestApi(scratch, database, QueryApi.start(StoreSettings.from(config), ApiSettings.from(config),
                database, clock, nats), owns);
    }

    /** One HTTP exchange. */
    record Reply(int status, String body, HttpResponse<String> raw) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON (" + status + "): " + body, e);
            }
        }

        Optional<String> header(String name) {
            return raw.headers().firstValue(name);
        }
    }

    Reply get(String pathAndQuery) {
        return get(pathAndQuery, Map.of("x-api-key", STATIC_KEY));
    }

    Reply get(String pathAndQuery, Map<String, String> headers) {
        return send("GET", pathAndQuery, headers);
    }

    Reply send(String method, String pathAndQuery, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.localUri() + pathAndQuery))
                .timeout(Duration.ofSeconds(30))
                .method(method, HttpRequest.BodyPublishers.noBody());
        headers.forEach(request::header);
        try {
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(response.statusCode(), response.body(), response);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Loads events through the live write path (no NATS): cutover just before the first event, message and
     * automation events on their own stream refs, sequences 1..n, batches of 500.
     */
    static void loadThroughIngest(RollupDatabase database, List<OmniEvent> events, Instant now) {
        loadThroughIngest(database, events, now, Instant.parse("2020-01-01T00:00:00Z"));
    }

    /** As above, on streams created at {@code streamsCreated} (another instant = other stream incarnations). */
    static void loadThroughIngest(RollupDatabase database, List<OmniEvent> events, Instant now, Instant streamsCreated) {
        if (events.isEmpty()) {
            return;
        }
        long first = events.stream().mapToLong(OmniEvent::timestamp).min().orElseThrow();
        Instant cutover = database.ensureCutover(Instant.ofEpochMilli(first).minusSeconds(1));
        BatchApplier applier = new BatchApplier(database, new EventDecoder(1 << 20),
                InstantSource.fixed(now), Duration.ofDays(9), cutover);
        StreamRef messages = new StreamRef("MESSAGE", streamsCreated);
        StreamRef automation = new StreamRef("AUTOMATION", streamsCreated);
        List<InboundMessage> messageBatch = new ArrayList<>();
        List<InboundMessage> automationBatch = new ArrayList<>();
        long messageSeq = 0;
        long automationSeq = 0;
        for (OmniEvent event : events) {
            if (event.subject().startsWith("automation.")) {
                automationBatch.add(new InboundMessage(event.subject(), event.toJson(), ++automationSeq));
                if (automationBatch.size() == 500) {
                    applier.apply(automation, automationBatch);
                    automationBatch.clear();
                }
            } else {
                messageBatch.add(new InboundMessage(event.subject(), event.toJson(), ++messageSeq));
                if (messageBatch.size() == 500) {
                    applier.apply(messages, messageBatch);
                    messageBatch.clear();
                }
            }
        }
        if (!messageBatch.isEmpty()) {
            applier.apply(messages, messageBatch);
        }
        if (!automationBatch.isEmpty()) {
            applier.apply(automation, automationBatch);
        }
        // automation executions are counted from Omni's automation_logs rows (written by the reference persistence)
        new AutomationLogTail(database, InstantSource.fixed(now), Duration.ofDays(9), cutover, Duration.ofMinutes(2))
                .poll();
    }

    @Override
    public void close() {
        server.close();
        database.close();
        if (ownsScratch) {
            scratch.close();
        }
    }
}
