package dev.omnirollup.bench;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The API's own latency histograms, read from its Prometheus text at {@code /api/v2/metrics}: per route label, the
 * {@code *_duration_seconds_sum} and {@code *_count} series. Two snapshots around a batch of requests give the
 * batch's mean server time on the route that served it (the route whose count grew most: the scrape itself counts on
 * its own route). The histogram's buckets are too coarse for percentiles; those come from {@code Server-Timing}.
 * Immutable.
 */
record ServerMetrics(Map<String, SumCount> series) {
    static final String PATH = "/api/v2/metrics";
    private static final Pattern SERIES = Pattern.compile(
            "^[a-zA-Z_:][a-zA-Z0-9_:]*_duration_seconds_(sum|count)\\{([^}]*)}\\s+(\\S+)");
    private static final Pattern ROUTE = Pattern.compile("route=\"((?:[^\"\\\\]|\\\\.)*)\"");

    ServerMetrics {
        series = Map.copyOf(series);
    }

    /** One route's histogram totals: seconds and requests. */
    record SumCount(double seconds, double requests) {
        static final SumCount ZERO = new SumCount(0, 0);

        SumCount plus(boolean sum, double value) {
            return sum ? new SumCount(seconds + value, requests) : new SumCount(seconds, requests + value);
        }
    }

    /** Scrapes the API; an empty snapshot when it answers no histogram (then the server columns say n/a). */
    static ServerMetrics scrape(HttpProbe probe) {
        try {
            HttpProbe.Reply reply = probe.get(PATH);
            return reply.status() == 200 ? parse(reply.text()) : new ServerMetrics(Map.of());
        } catch (IOException e) {
            return new ServerMetrics(Map.of());
        }
    }

    static ServerMetrics parse(String text) {
        Map<String, SumCount> series = new HashMap<>();
        for (String line : text.split("\n")) {
            Matcher m = SERIES.matcher(line);
            if (!m.find()) {
                continue;
            }
            Matcher route = ROUTE.matcher(m.group(2));
            if (!route.find()) {
                continue;
            }
            double value;
            try {
                value = Double.parseDouble(m.group(3));
            } catch (NumberFormatException e) {
                continue;
            }
            boolean sum = m.group(1).equals("sum");
            series.merge(route.group(1), SumCount.ZERO.plus(sum, value), (a, b) -> a.plus(sum, value));
        }
        return new ServerMetrics(series);
    }

    /** What one route served between two snapshots. */
    record RouteDelta(String route, long requests, double meanMillis) {
    }

    /** The route whose request count grew most since {@code before}, with its mean server time. */
    Optional<RouteDelta> busiestSince(ServerMetrics before) {
        RouteDelta best = null;
        for (var entry : series.entrySet()) {
            SumCount then = before.series().getOrDefault(entry.getKey(), SumCount.ZERO);
            long requests = Math.round(entry.getValue().requests() - then.requests());
            double seconds = entry.getValue().seconds() - then.seconds();
            if (requests > 0 && (best == null || requests > best.requests())) {
                best = new RouteDelta(entry.getKey(), requests, seconds * 1000 / requests);
            }
        }
        return Optional.ofNullable(best);
    }
}
