package dev.omnirollup.api;

import dev.omnirollup.store.Decoded;
import dev.omnirollup.store.EventDecoder;
import dev.omnirollup.store.InboundMessage;
import dev.omnirollup.store.StoreSettings;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The hub of {@code GET /api/v2/events/stream}: one core NATS subscription ({@code <prefix>message.>} and
 * {@code <prefix>instance.>}, which also see what is published through JetStream) decoded with the ingest's own
 * {@link EventDecoder}, so the stream shows exactly the events the rollups count; a bounded history for
 * {@code Last-Event-ID}; the open clients; and a ticker that sends the dashboard summary as {@code metrics} frames and
 * watches for stalled clients.
 *
 * <p>Fan-out: the NATS dispatcher thread is the only thread that decodes and fans out events. Offering a frame to a
 * client never blocks: each client has a queue of {@code sse-client-buffer} frames, and a full queue drops the frame
 * (counted, and reported to that client in a {@code dropped} frame). Each client's own request thread writes its
 * queue to the connection, so a slow client slows nobody else. A client whose write has been blocked for
 * {@link Settings#stallTimeout()} is cut loose (its connection is closed).
 *
 * <p>Resuming: every event frame gets the next stream position; ids are {@code <stream>-<position>}, where
 * {@code <stream>} is random per process. The last {@value #HISTORY} event frames are kept; a client that
 * reconnects with the id of any frame it saw gets every later frame that matches its filters, as long as that id is
 * from this process and no frame after it was forgotten (history overflow, or NATS events missed while the
 * subscription was off or disconnected). Otherwise the {@code ready} frame says {@code "resumed":false}.
 *
 * <p>The subscription exists only while streams are open, and for {@value #LINGER_MINUTES} minutes after the last
 * one closed (so a reconnecting client can resume): an API with no stream open costs NATS and the CPU nothing.
 * Thread-safe.
 */
final class SseHub implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(SseHub.class.getName());

    /** Event frames kept for {@code Last-Event-ID}. */
    static final int HISTORY = 10_000;
    static final int LINGER_MINUTES = 2;
    private static final Duration LINGER = Duration.ofMinutes(LINGER_MINUTES);
    private static final Duration FLUSH_TIMEOUT = Duration.ofSeconds(2);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The stream's configuration (the {@code sse-*} keys, the subject prefix and the decoder's limits). */
    record Settings(Duration metricsInterval, Duration heartbeat, int maxStreamsPerKey, int clientBuffer,
                    String subjectPrefix, int maxEventBytes) {
        static Settings of(StoreSettings store, ApiSettings api) {
            return new Settings(api.sseMetricsInterval(), api.sseHeartbeat(), api.sseMaxStreamsPerKey(),
                    api.sseClientBuffer(), store.subjectPrefix(), store.maxEventBytes());
        }

        /** A client whose write has been blocked this long is cut loose: two heartbeat intervals. */
        Duration stallTimeout() {
            return heartbeat.multipliedBy(2);
        }
    }

    private record Resume(boolean resumed, long position, List<SseFrame> replay) {
    }

    private record CachedMetrics(String json, long atNanos) {
    }

    private final Settings settings;
    private final Optional<Connection> nats;
    private final InstantSource clock;
    private final Supplier<Object> dashboard;
    private final EventDecoder decoder;
    private final String streamId;
    private final ScheduledExecutorService ticker;

    private final Object lock = new Object();
    // guarded by lock
    private long position;
    private long historyStart = 1;
    private final ArrayDeque<SseFrame> history = new ArrayDeque<>();
    private final List<SseClient> clients = new ArrayList<>();
    private final Map<String, Integer> perKey = new HashMap<>();
    private long emptySinceNanos = System.nanoTime();
    private boolean closed;

    // guarded by subscriptionLock (taken before lock, never inside it)
    private final Object subscriptionLock = new Object();
    private Optional<Dispatcher> dispatcher = Optional.empty();
    private Optional<ConnectionListener> listener = Optional.empty();

    private long inboundSeq; // the dispatcher thread's only
    private volatile Optional<CachedMetrics> lastMetrics = Optional.empty();
    private final AtomicLong natsMessages = new AtomicLong();
    private final AtomicLong natsDroppedBefore = new AtomicLong();
    private final AtomicLong framesPublished = new AtomicLong();
    private final AtomicLong framesDropped = new AtomicLong();
    private final AtomicLong clientsCut = new AtomicLong();
    private final AtomicLong streamsRejected = new AtomicLong();
    private final AtomicLong metricsFailures = new AtomicLong();

    /**
     * @param dashboard the body of {@code GET /api/v2/dashboard} now (called on the ticker and for new clients)
     */
    SseHub(Settings settings, Optional<Connection> nats, InstantSource clock, Supplier<Object> dashboard) {
        this.settings = settings;
        this.nats = nats;
        this.clock = clock;
        this.dashboard = dashboard;
        this.decoder = new EventDecoder(settings.maxEventBytes());
        this.streamId = Long.toString(System.currentTimeMillis(), 36) + Long.toString(RANDOM.nextInt(1 << 20), 36);
        this.ticker = Executors.newScheduledThreadPool(2, r -> {
            Thread thread = new Thread(r, "omni-rollup-live-stream");
            thread.setDaemon(true);
            return thread;
        });
        long metricsMs = settings.metricsInterval().toMillis();
        ticker.scheduleWithFixedDelay(this::sendMetrics, metricsMs, metricsMs, TimeUnit.MILLISECONDS);
        long watchMs = Math.max(100, Math.min(1_000, settings.heartbeat().toMillis() / 4));
        ticker.scheduleWithFixedDelay(this::watch, watchMs, watchMs, TimeUnit.MILLISECONDS);
    }

    /** This process's stream id: the part of every frame id before the {@code -}. */
    String streamId() {
        return streamId;
    }

    /**
     * Registers a client (subscribing to NATS first if needed) with its replay.
     *
     * @throws ApiProblem 429 when the principal already holds {@code sse-max-streams-per-key} streams
     */
    SseClient open(String principal, SseQuery query) {
        synchronized (subscriptionLock) {
            synchronized (lock) {
                if (closed) {
                    throw ApiProblem.shuttingDown();
                }
            }
            subscribe();
            synchronized (lock) {
                if (closed) {
                    throw ApiProblem.shuttingDown();
                }
                int active = perKey.getOrDefault(principal, 0);
                if (active >= settings.maxStreamsPerKey()) {
                    streamsRejected.incrementAndGet();
                    throw ApiProblem.tooManyStreams(settings.maxStreamsPerKey());
                }
                Resume resume = resume(query);
                Map<String, Object> ready = new LinkedHashMap<>();
                ready.put("stream", streamId);
                ready.put("resumed", resume.resumed());
                ready.put("replayed", resume.replay().size());
                ready.put("eventsAvailable", dispatcher.isPresent());
                ready.put("heartbeatMs", settings.heartbeat().toMillis());
                ready.put("metricsIntervalMs", settings.metricsInterval().toMillis());
                ready.put("filters", query.filtersJson());
                SseClient client = new SseClient(principal, query, streamId, settings.clientBuffer(),
                        SseFrame.control(SseFrame.READY, ready, resume.position()), resume.replay(), position);
                clients.add(client);
                perKey.merge(principal, 1, Integer::sum);
                return client;
            }
        }
    }

    /** Unregisters a client whose stream ended (its slot of the per-key limit is free again). */
    void release(SseClient client) {
        synchronized (lock) {
            if (clients.remove(client)) {
                perKey.computeIfPresent(client.principal, (k, n) -> n > 1 ? n - 1 : null);
                if (clients.isEmpty()) {
                    emptySinceNanos = System.nanoTime();
                }
            }
        }
    }

    /** Writes a client's stream on the calling (request) thread until it ends. */
    void serve(SseClient client, SseSink sink) {
        client.pump(sink, this::firstMetrics, settings.heartbeat().toNanos(), clock);
    }

    /** Fans one frame out to every client (called by the NATS dispatcher; tests call it directly). */
    void publish(SseFrame frame) {
        synchronized (lock) {
            if (closed) {
                return;
            }
            position++;
            SseFrame positioned = frame.at(position);
            history.addLast(positioned);
            if (history.size() > HISTORY) {
                historyStart = history.removeFirst().seq() + 1;
            }
            framesPublished.incrementAndGet();
            for (SseClient client : clients) {
                if (!client.offer(positioned)) {
                    framesDropped.incrementAndGet();
                }
            }
        }
    }

    private Resume resume(SseQuery query) {
        Optional<Long> last = query.lastEventId().flatMap(this::positionOf);
        if (last.isPresent() && last.get() <= position && last.get() + 1 >= historyStart) {
            List<SseFrame> replay = history.stream()
                    .filter(frame -> frame.seq() > last.get() && query.matches(frame))
                    .toList();
            return new Resume(true, last.get(), replay);
        }
        return new Resume(false, position, List.of());
    }

    private Optional<Long> positionOf(String id) {
        String prefix = streamId + "-";
        if (!id.startsWith(prefix) || id.length() == prefix.length() || id.length() > prefix.length() + 18) {
            return Optional.empty();
        }
        String digits = id.substring(prefix.length());
        return digits.chars().allMatch(ch -> ch >= '0' && ch <= '9') ? Optional.of(Long.parseLong(digits))
                : Optional.empty();
    }

    /** Forgets the history: events may have been missed, so no earlier position can be resumed from. */
    private void markGap() {
        synchronized (lock) {
            position++; // a position no frame has: resuming from before it is refused
            history.clear();
            historyStart = position + 1;
        }
    }

    /** Subscribes if there is a NATS connection and no subscription yet; a failure leaves the stream metrics-only. */
    private void subscribe() {
        if (nats.isEmpty() || dispatcher.isPresent()) {
            return;
        }
        Connection connection = nats.get();
        markGap();
        Dispatcher created;
        try {
            created = connection.createDispatcher(this::onMessage);
            created.subscribe(settings.subjectPrefix() + "message.>");
            created.subscribe(settings.subjectPrefix() + "instance.>");
        } catch (RuntimeException e) { // e.g. the connection was closed
            LOG.log(Level.WARNING, "live stream: cannot subscribe to NATS, streams carry metrics only: {0}",
                    e.toString());
            return;
        }
        ConnectionListener gaps = (conn, event) -> {
            if (event == ConnectionListener.Events.DISCONNECTED) {
                markGap();
            }
        };
        connection.addConnectionListener(gaps);
        dispatcher = Optional.of(created);
        listener = Optional.of(gaps);
        try {
            connection.flush(FLUSH_TIMEOUT); // the server knows the interest before the first frame is written
        } catch (Exception e) {
            LOG.log(Level.WARNING, "live stream: NATS did not confirm the subscription: {0}", e.toString());
        }
        LOG.fine(() -> "live stream subscribed to " + settings.subjectPrefix() + "message.> and instance.>");
    }

    private void unsubscribe() {
        if (dispatcher.isEmpty()) {
            return;
        }
        Connection connection = nats.orElseThrow();
        natsDroppedBefore.addAndGet(dispatcher.get().getDroppedCount());
        listener.ifPresent(connection::removeConnectionListener);
        try {
            connection.closeDispatcher(dispatcher.get());
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "closing the live-stream dispatcher failed", e);
        }
        dispatcher = Optional.empty();
        listener = Optional.empty();
    }

    private void onMessage(Message message) {
        natsMessages.incrementAndGet();
        try {
            String subject = message.getSubject();
            String prefix = settings.subjectPrefix();
            if (!subject.startsWith(prefix)) {
                return;
            }
            byte[] body = message.getData() == null ? new byte[0] : message.getData();
            Decoded decoded = decoder.decode(new InboundMessage(subject.substring(prefix.length()), body, ++inboundSeq));
            SseFrame.of(decoded).ifPresent(this::publish);
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "live stream: skipping a message that cannot be shown", e);
        }
    }

    /** The metrics body for a new client: the last one sent if it is fresh, otherwise computed now. */
    private Optional<String> firstMetrics() {
        Optional<CachedMetrics> cached = lastMetrics;
        if (cached.isPresent()
                && System.nanoTime() - cached.get().atNanos() < settings.metricsInterval().toNanos()) {
            return Optional.of(cached.get().json());
        }
        return computeMetrics();
    }

    private Optional<String> computeMetrics() {
        try {
            String json = Json.write(dashboard.get());
            lastMetrics = Optional.of(new CachedMetrics(json, System.nanoTime()));
            return Optional.of(json);
        } catch (RuntimeException e) {
            metricsFailures.incrementAndGet();
            LOG.log(Level.WARNING, "live stream: computing the dashboard summary failed: {0}", e.toString());
            return Optional.empty();
        }
    }

    private void sendMetrics() {
        synchronized (lock) {
            if (clients.isEmpty()) {
                return;
            }
        }
        computeMetrics().ifPresent(json -> {
            synchronized (lock) {
                SseFrame frame = new SseFrame(SseFrame.METRICS, json, Optional.empty(), Optional.empty(),
                        position);
                for (SseClient client : clients) {
                    if (!client.offer(frame)) {
                        framesDropped.incrementAndGet();
                    }
                }
            }
        });
    }

    /** Cuts stalled clients loose; drops the subscription after the linger. */
    private void watch() {
        try {
            long now = System.nanoTime();
            long bound = settings.stallTimeout().toNanos();
            List<SseClient> open;
            synchronized (lock) {
                open = List.copyOf(clients);
            }
            for (SseClient client : open) {
                if (client.stalledNanos(now) > bound && client.cut()) {
                    clientsCut.incrementAndGet();
                    LOG.info(() -> "live stream: cut loose a client that took no data for "
                            + settings.stallTimeout().toSeconds() + " s");
                }
            }
            synchronized (subscriptionLock) {
                boolean idle;
                synchronized (lock) {
                    idle = clients.isEmpty() && now - emptySinceNanos > LINGER.toNanos();
                }
                if (idle) {
                    unsubscribe();
                }
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "live stream watchdog failed", e);
        }
    }

    int streams() {
        synchronized (lock) {
            return clients.size();
        }
    }

    long natsMessages() {
        return natsMessages.get();
    }

    /** Messages the NATS client dropped because the dispatcher fell behind (slow consumer); 0 is the goal. */
    long natsDropped() {
        synchronized (subscriptionLock) {
            return natsDroppedBefore.get() + dispatcher.map(Dispatcher::getDroppedCount).orElse(0L);
        }
    }

    long framesPublished() {
        return framesPublished.get();
    }

    long framesDropped() {
        return framesDropped.get();
    }

    long clientsCut() {
        return clientsCut.get();
    }

    long streamsRejected() {
        return streamsRejected.get();
    }

    long metricsFailures() {
        return metricsFailures.get();
    }

    /** Ends every stream, stops the ticker and drops the subscription. Idempotent. */
    @Override
    public void close() {
        List<SseClient> open;
        synchronized (lock) {
            closed = true;
            open = List.copyOf(clients);
        }
        open.forEach(SseClient::cut);
        ticker.shutdownNow();
        synchronized (subscriptionLock) {
            if (nats.isPresent()) {
                unsubscribe();
            }
        }
    }
}
