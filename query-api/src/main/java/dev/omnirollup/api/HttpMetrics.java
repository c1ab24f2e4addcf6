package dev.omnirollup.api;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;

/**
 * A tiny Prometheus registry for the API: requests per route, method and status class, and a latency histogram per
 * route, rendered in the text exposition format 0.0.4. Routes are the registered templates (unknown paths count as
 * {@code unmatched}), so label cardinality is fixed. Thread-safe.
 */
final class HttpMetrics {
    /** Histogram bucket upper bounds in seconds. */
    static final double[] BOUNDS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};

    private record Series(String route, String method, String statusClass) {
    }

    private static final class Histogram {
        final AtomicLongArray buckets = new AtomicLongArray(BOUNDS.length);
        final AtomicLong count = new AtomicLong();
        final AtomicLong sumNanos = new AtomicLong();
    }

    private final ConcurrentHashMap<Series, AtomicLong> requests = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Histogram> latency = new ConcurrentHashMap<>();
    private final Map<String, LongSupplier> counters = new TreeMap<>();
    private final Map<String, LongSupplier> gauges = new TreeMap<>();

    void record(String route, String method, int status, long nanos) {
        requests.computeIfAbsent(new Series(route, method, status / 100 + "xx"), k -> new AtomicLong()).incrementAndGet();
        Histogram histogram = latency.computeIfAbsent(route, k -> new Histogram());
        double seconds = nanos / 1e9;
        for (int i = 0; i < BOUNDS.length; i++) {
            if (seconds <= BOUNDS[i]) {
                histogram.buckets.incrementAndGet(i);
                break;
            }
        }
        histogram.count.incrementAndGet();
        histogram.sumNanos.addAndGet(nanos);
    }

    /** A counter read when rendering (e.g. refresh failures of the live counts). Call before serving. */
    synchronized void counter(String name, LongSupplier value) {
        counters.put(name, value);
    }

    /** A gauge read when rendering (e.g. open live streams). Call before serving. */
    synchronized void gauge(String name, LongSupplier value) {
        gauges.put(name, value);
    }

    synchronized String render() {
        StringBuilder out = new StringBuilder(4096);
        out.append("# HELP omni_rollup_http_requests_total HTTP requests answered, by route template, method and status class.\n");
        out.append("# TYPE omni_rollup_http_requests_total counter\n");
        new TreeMap<String, Long>(collectRequests()).forEach((labels, n) ->
                out.append("omni_rollup_http_requests_total{").append(labels).append("} ").append(n).append('\n'));
        out.append("# HELP omni_rollup_http_request_duration_seconds Server time per request, by route template.\n");
        out.append("# TYPE omni_rollup_http_request_duration_seconds histogram\n");
        new TreeMap<>(latency).forEach((route, h) -> {
            String label = "route=\"" + escape(route) + "\"";
            long cumulative = 0;
            for (int i = 0; i < BOUNDS.length; i++) {
                cumulative += h.buckets.get(i);
                out.append("omni_rollup_http_request_duration_seconds_bucket{").append(label).append(",le=\"")
                        .append(JsNumber.format(BOUNDS[i])).append("\"} ").append(cumulative).append('\n');
            }
            long count = h.count.get();
            out.append("omni_rollup_http_request_duration_seconds_bucket{").append(label).append(",le=\"+Inf\"} ")
                    .append(count).append('\n');
            out.append("omni_rollup_http_request_duration_seconds_sum{").append(label).append("} ")
                    .append(JsNumber.format(h.sumNanos.get() / 1e9)).append('\n');
            out.append("omni_rollup_http_request_duration_seconds_count{").append(label).append("} ")
                    .append(count).append('\n');
        });
        counters.forEach((name, value) -> {
            out.append("# TYPE ").append(name).append(" counter\n");
            out.append(name).append(' ').append(value.getAsLong()).append('\n');
        });
        gauges.forEach((name, value) -> {
            out.append("# TYPE ").append(name).append(" gauge\n");
            out.append(name).append(' ').append(value.getAsLong()).append('\n');
        });
        return out.toString();
    }

    private Map<String, Long> collectRequests() {
        Map<String, Long> out = new TreeMap<>();
        requests.forEach((series, n) -> out.put("route=\"" + escape(series.route()) + "\",method=\""
                + escape(series.method()) + "\",status=\"" + series.statusClass() + "\"", n.get()));
        return out;
    }

    private static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
