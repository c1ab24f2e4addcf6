package dev.omnirollup.api;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import java.time.InstantSource;

/** {@code GET /api/v2/health} (public): 200 when healthy, 503 when degraded. Thread-safe. */
final class HealthService implements HttpService {
    static final String PATH = "/health";

    private final Answers answers;
    private final InstantSource clock;

    HealthService(Answers answers, InstantSource clock) {
        this.answers = answers;
        this.clock = clock;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get(PATH, (req, res) -> {
            Answers.Health health = answers.health(clock.instant());
            ResponseWriter.sendJson(req, res, health.healthy() ? 200 : 503, health.body());
        });
    }
}
