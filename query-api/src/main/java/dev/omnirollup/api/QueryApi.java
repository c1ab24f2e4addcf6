package dev.omnirollup.api;

import dev.omnirollup.store.Metrics;
import dev.omnirollup.store.RollupDatabase;
import dev.omnirollup.store.RollupReader;
import dev.omnirollup.store.StoreSettings;
import io.helidon.common.socket.SocketOptions;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.HttpService;
import io.nats.client.Connection;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.InstantSource;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * omni-rollup's query API: Omni's dashboard endpoints under {@code /api/v2}, answered from the rollups; the live
 * event stream ({@code /api/v2/events/stream}, fed by a NATS subscription of its own); and the dashboard page at
 * {@code /}.
 *
 * <p>For the launcher: {@link #start(StoreSettings, ApiSettings, RollupDatabase, InstantSource, Optional)} builds everything and starts
 * a Helidon {@code WebServer} on {@code http-host:http-port}; close the returned {@link QueryServer} to stop it.
 * The database must be open and migrated; the NATS connection is optional (health then reports NATS and the
 * ingest lag as unavailable) and is not closed by this class.
 *
 * <p>For tests and embedding: {@link #create} builds the collaborators once, {@link #routing(HttpRouting.Builder)}
 * registers the filters, every route and the error mapping on a routing builder. Thread-safe once built.
 */
public final class QueryApi implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(QueryApi.class.getName());

    /** Read horizon of minute buckets (their retention is 9 days). */
    static final Duration MINUTE_HORIZON = Duration.ofDays(8);

    /** Where every endpoint lives. */
    static final String API = "/api/v2";

    private final LiveCounts live;
    private final List<Filter> filters;
    private final ErrorResponses errors = new ErrorResponses();
    private final List<HttpService> services;
    private final PageService page;
    private final SseHub sseHub;
    private final String version;

    private QueryApi(StoreSettings store, ApiSettings settings, RollupDatabase database, InstantSource clock,
                     Optional<Connection> nats) {
        this.version = version();
        RollupReader reader = new RollupReader(database, MINUTE_HORIZON);
        this.live = new LiveCounts(database, settings.liveCountRefresh());
        Metrics metrics = new Metrics().withProcessMetrics();
        metrics.counter("omni_rollup_live_count_refresh_failures_total",
                "Refreshes of the live counts (dead letters, payloads, instances) that failed.", live::refreshFailures);
        metrics.gauge("omni_rollup_live_count_refresh_seconds", "How long the last refresh of the live counts took"
                + " (the next waits at least " + LiveCounts.IDLE_PER_BUSY + " times as long).",
                () -> live.lastRefresh().toNanos() / 1e9);
        HealthProbe probe = new HealthProbe(database, reader, live, nats, clock, new HealthProbe.IngestSettings(
                List.of(store.messageStream(), store.automationStream()),
                store.consumer(), store.consumers(), settings.ingestStallThreshold()), version);
        ResponseCache cache = new ResponseCache(settings.cacheTtl(), clock);
        Duration queueStaleness = settings.automationQueueStaleness();
        DashboardService dashboard = new DashboardService(reader, live, probe, queueStaleness, clock, cache);
        this.sseHub = new SseHub(SseHub.Settings.of(store, settings), nats, clock, () -> dashboard.body(clock.instant()));
        this.services = List.of(new HealthService(probe, clock), new OpenApiService(version),
                new EventOpsService(reader, live, clock, cache), new AnalyticsService(reader, live, clock, cache),
                new DeadLettersService(live, cache), new AutomationService(reader, queueStaleness, clock, cache),
                dashboard, new SseService(sseHub), new PrometheusService(metrics));
        this.page = new PageService();
        metrics.gauge("omni_rollup_sse_streams", "Live streams open now.", sseHub::streams);
        metrics.counter("omni_rollup_sse_nats_messages_total", "NATS messages the live stream received.",
                sseHub::natsMessages);
        metrics.counter("omni_rollup_sse_nats_dropped_total",
                "NATS messages the live stream dropped (its subscription fell behind).", sseHub::natsDropped);
        metrics.counter("omni_rollup_sse_frames_total", "Frames published to live-stream clients.",
                sseHub::framesPublished);
        metrics.counter("omni_rollup_sse_frames_dropped_total",
                "Frames a slow live-stream client lost (its buffer was full).", sseHub::framesDropped);
        metrics.counter("omni_rollup_sse_clients_cut_total", "Live-stream clients disconnected because they stopped reading.",
                sseHub::clientsCut);
        metrics.counter("omni_rollup_sse_streams_rejected_total",
                "Live streams refused (too many for one API key).", sseHub::streamsRejected);
        metrics.counter("omni_rollup_sse_metrics_failures_total",
                "Dashboard summaries the live stream failed to compute.", sseHub::metricsFailures);
        Set<String> publicPaths = Set.of(API + HealthService.PATH, API + OpenApiService.JSON_PATH,
                API + OpenApiService.YAML_PATH);
        Set<String> routes = new LinkedHashSet<>(publicPaths);
        List.of(EventOpsService.PATH, AnalyticsService.PATH, DeadLettersService.PATH, AutomationService.PATH,
                AutomationService.ALIAS, DashboardService.PATH, SseService.PATH, PrometheusService.PATH)
                .forEach(path -> routes.add(API + path));
        routes.addAll(PageService.paths());
        // in this order: timing and metrics see every request; headers are on every answer, preflights included
        this.filters = List.of(new HttpMetricsFilter(routes, metrics),
                new ResponseHeadersFilter(CorsPolicy.parse(settings.corsOrigins())),
                new HeadAsGetFilter(),
                new ApiKeyFilter(publicPaths, new ApiKeys(database, clock, settings.apiKey(),
                        settings.apiKeyCacheTtl())),
                new RateLimitFilter(new RateLimiter(settings.rateLimit(), clock)));
        try {
            live.refreshNow();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "first load of the live counts failed; retrying in the background: {0}",
                    e.getMessage());
        }
    }

    /** Builds the collaborators (loads the live counts once and starts their background refresh). */
    public static QueryApi create(StoreSettings store, ApiSettings settings, RollupDatabase database,
                                  InstantSource clock, Optional<Connection> nats) {
        return new QueryApi(store, settings, database, clock, nats);
    }

    /**
     * Builds the API and starts a web server on {@code http-host:http-port} (port 0 picks a free one).
     *
     * @param store    the streams and consumer health checks, the subject prefix and decoder limit of the stream
     * @param settings the API's own settings
     * @param database open, migrated; not closed by the server
     * @param clock    the clock for windows, key expiry, rate limits and uptime
     * @param nats     a NATS connection for the health checks and the live stream's subscription, if there is
     *                 one; not closed by the server
     */
    public static QueryServer start(StoreSettings store, ApiSettings settings, RollupDatabase database,
                                    InstantSource clock, Optional<Connection> nats) {
        QueryApi api = create(store, settings, database, clock, nats);
        try {
            WebServer server = WebServer.builder()
                    .host(settings.httpHost())
                    .port(settings.httpPort())
                    .shutdownHook(false)
                    // answers go out in one write: without TCP_NODELAY a reused connection waits for the client's
                    // delayed ACK (about 40 ms) before the rest of a body larger than one segment is sent
                    .connectionOptions(SocketOptions.builder().tcpNoDelay(true).build())
                    .directHandlers(api.errors.directHandlers())
                    .routing(api::routing)
                    .build()
                    .start();
            LOG.info(() -> "query API " + api.version + " listening on " + settings.httpHost() + ":"
                    + server.port());
            return new QueryServer(server, api);
        } catch (RuntimeException e) {
            api.close();
            throw e;
        }
    }

    /** Registers the filters, every route, the 404 fallback and the error mapping on {@code routing}. */
    public void routing(HttpRouting.Builder routing) {
        filters.forEach(routing::addFilter);
        routing.register(API, services.toArray(HttpService[]::new))
                .register(page)
                .any((req, res) -> {
                    throw ApiProblem.notFound(req.prologue().method().text(), req.path().absolute().path());
                });
        errors.register(routing);
    }

    /** Re-reads the live counts now (normally a background thread does every {@code live-count-refresh}). */
    public void refreshLiveCounts() {
        live.refreshNow();
    }

    /** Ends the open live streams and stops the background work (live counts, stream ticker, NATS subscription). */
    @Override
    public void close() {
        sseHub.close();
        live.close();
    }

    /** Ends the open live streams now (before the web server stops, so it has no request left to wait for). */
    void closeStreams() {
        sseHub.close();
    }

    SseHub sseHub() {
        return sseHub;
    }

    /** This build's version (from a resource the build fills in, else the jar manifest, else {@code unknown}). */
    public static String version() {
        try (InputStream in = QueryApi.class.getClassLoader().getResourceAsStream("omni-rollup-version.properties")) {
            if (in != null) {
                Properties properties = new Properties();
                properties.load(in);
                String value = properties.getProperty("version", "");
                if (!value.isBlank() && !value.contains("${")) {
                    return value;
                }
            }
        } catch (IOException e) {
            LOG.log(Level.FINE, "reading the version resource failed", e);
        }
        return Optional.ofNullable(QueryApi.class.getPackage().getImplementationVersion()).orElse("unknown");
    }
}
