package dev.omnirollup.api;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The dashboard data endpoints under {@code /api/v2}: event-ops metrics, events analytics, dead-letter stats,
 * automation metrics (at both of upstream's paths) and the one-request dashboard summary. With
 * {@code cache-ttl > 0} each distinct query's body is cached that long (errors never are). Thread-safe.
 */
final class DashboardService implements HttpService {
    static final String METRICS = "/event-ops/metrics";
    static final String ANALYTICS = "/events/analytics";
    static final String DEAD_LETTERS = "/dead-letters/stats";
    static final String AUTOMATION = "/automation-metrics";
    static final String AUTOMATION_ALIAS = "/automations/automation-metrics";
    static final String DASHBOARD = "/dashboard";
    static final List<String> PATHS = List.of(METRICS, ANALYTICS, DEAD_LETTERS, AUTOMATION, AUTOMATION_ALIAS, DASHBOARD);

    private final Answers answers;
    private final InstantSource clock;
    private final Optional<Cache<String, byte[]>> cache;

    DashboardService(Answers answers, InstantSource clock, Duration cacheTtl) {
        this.answers = answers;
        this.clock = clock;
        this.cache = cacheTtl.isZero() ? Optional.empty() : Optional.of(Caffeine.newBuilder()
                .expireAfterWrite(cacheTtl.toNanos(), TimeUnit.NANOSECONDS)
                .ticker(() -> clock.millis() * 1_000_000L)
                .maximumSize(1_000)
                .build());
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get(METRICS, (req, res) -> respond(req, res, METRICS, () -> answers.eventOpsMetrics(clock.instant())))
                .get(ANALYTICS, this::analytics)
                .get(DEAD_LETTERS, (req, res) -> respond(req, res, DEAD_LETTERS, answers::deadLetterStats))
                .get(AUTOMATION, (req, res) -> respond(req, res, AUTOMATION,
                        () -> answers.automationMetrics(clock.instant())))
                .get(AUTOMATION_ALIAS, (req, res) -> respond(req, res, AUTOMATION,
                        () -> answers.automationMetrics(clock.instant())))
                .get(DASHBOARD, (req, res) -> respond(req, res, DASHBOARD, () -> answers.dashboard(clock.instant())));
    }

    private void analytics(ServerRequest req, ServerResponse res) {
        Map<String, List<String>> params = new TreeMap<>();
        for (String name : AnalyticsQuery.PARAMETERS) {
            if (req.query().contains(name)) {
                params.put(name, req.query().all(name));
            }
        }
        AnalyticsQuery query = AnalyticsQuery.parse(params);
        respond(req, res, ANALYTICS + "?" + params, () -> answers.analytics(query, clock.instant()));
    }

    private void respond(ServerRequest req, ServerResponse res, String cacheKey, Supplier<Object> body) {
        byte[] bytes = cache.isPresent()
                ? cache.get().get(cacheKey, k -> Json.bytes(body.get()))
                : Json.bytes(body.get());
        ResponseWriter.send(req, res, 200, bytes, ResponseWriter.JSON);
    }
}
