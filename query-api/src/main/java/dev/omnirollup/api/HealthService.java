package dev.omnirollup.api;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.InstantSource;

/** {@code GET /api/v2/health} (public): 200 when healthy, 503 when degraded ({@link HealthReport}). Thread-safe. */
final class HealthService implements HttpService {
    static final String PATH = "/health";

    private final HealthProbe probe;
    private final InstantSource clock;

    HealthService(HealthProbe probe, InstantSource clock) {
        this.probe = probe;
        this.clock = clock;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get(PATH, this::health);
    }

    private void health(ServerRequest req, ServerResponse res) {
        HealthReport report = probe.report(clock.instant());
        ResponseWriter.sendJson(req, res, report.vitals().healthy() ? 200 : 503, HealthBody.of(report));
    }
}
