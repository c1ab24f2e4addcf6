package dev.omnirollup.api;

import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import dev.omnirollup.store.Metrics;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The first filter: notes when the request arrived and, when its response is sent (by a route, a filter or the
 * error mapping alike), counts it in the API's {@link Metrics} by route, method and status with its server time, and
 * writes one FINE access-log line (method, path, status, time; never the query string, which may hold a key).
 * Paths that are not routes count as {@code unmatched}, so label cardinality is fixed. Thread-safe.
 */
final class HttpMetricsFilter implements Filter {
    private static final Logger ACCESS = Logger.getLogger("dev.omnirollup.api.access");

    /** Bucket upper bounds of the server-time histogram, in seconds. */
    static final double[] BOUNDS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};

    private record Series(String route, String method, String statusClass) {
    }

    private final Set<String> routes;
    private final Metrics metrics;
    private final Map<Series, Metrics.Counter> requests = new ConcurrentHashMap<>();
    private final Map<String, Metrics.Histogram> latency = new ConcurrentHashMap<>();

    /** @param routes every routed path, e.g. {@code /api/v2/event-ops/metrics} */
    HttpMetricsFilter(Set<String> routes, Metrics metrics) {
        this.routes = Set.copyOf(routes);
        this.metrics = metrics;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        long start = System.nanoTime();
        ResponseWriter.markStart(req, start);
        String path = req.path().path();
        String method = req.prologue().method().text(); // before HEAD is routed as GET
        res.whenSent(() -> record(path, method, res.status().code(), System.nanoTime() - start));
        chain.proceed();
    }

    private void record(String path, String method, int status, long nanos) {
        String route = routes.contains(path) ? path : "unmatched";
        requests.computeIfAbsent(new Series(route, method, status / 100 + "xx"), series -> metrics.counter(
                "omni_rollup_http_requests_total", "HTTP requests answered, by route template, method and status class.",
                "route", series.route(), "method", series.method(), "status", series.statusClass())).inc();
        latency.computeIfAbsent(route, r -> metrics.histogram("omni_rollup_http_request_duration_seconds",
                "Server time per request, by route template.", BOUNDS, "route", r)).observe(nanos / 1e9);
        if (ACCESS.isLoggable(Level.FINE)) {
            ACCESS.fine(String.format(Locale.ROOT, "%s %s %d %.3fms", method, path, status, nanos / 1e6));
        }
    }
}
