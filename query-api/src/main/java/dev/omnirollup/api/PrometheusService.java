package dev.omnirollup.api;

import dev.omnirollup.store.Metrics;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import java.nio.charset.StandardCharsets;

/** {@code GET /api/v2/metrics}: Prometheus text format, behind the API key like upstream's. Thread-safe. */
final class PrometheusService implements HttpService {
    static final String PATH = "/metrics";

    private final Metrics metrics;

    PrometheusService(Metrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get(PATH, (req, res) -> ResponseWriter.send(req, res, 200, metrics.scrape().getBytes(StandardCharsets.UTF_8),
                "text/plain; version=0.0.4; charset=utf-8"));
    }
}
