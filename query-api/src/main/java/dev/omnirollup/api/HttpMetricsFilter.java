package dev.omnirollup.api;

import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.util.Locale;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The first filter: notes when the request arrived and, when its response is sent (by a route, a filter or the
 * error mapping alike), counts it in {@link HttpMetrics} by route, method and status with its server time, and
 * writes one FINE access-log line (method, path, status, time; never the query string, which may hold a key).
 * Paths that are not routes count as {@code unmatched}, so label cardinality is fixed. Thread-safe.
 */
final class HttpMetricsFilter implements Filter {
    private static final Logger ACCESS = Logger.getLogger("dev.omnirollup.api.access");

    private final Set<String> routes;
    private final HttpMetrics metrics;

    /** @param routes every routed path, e.g. {@code /api/v2/event-ops/metrics} */
    HttpMetricsFilter(Set<String> routes, HttpMetrics metrics) {
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
        metrics.record(routes.contains(path) ? path : "unmatched", method, status, nanos);
        if (ACCESS.isLoggable(Level.FINE)) {
            ACCESS.fine(String.format(Locale.ROOT, "%s %s %d %.3fms", method, path, status, nanos / 1e6));
        }
    }
}
