package dev.omnirollup.api;

import dev.omnirollup.store.AutomationReport;
import dev.omnirollup.store.RollupReader;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.Map;

/**
 * {@code GET /api/v2/dashboard}, the one-request summary: the message rollups in one statement
 * ({@link RollupReader#summary}) while the automation figures are read beside it ({@link ConcurrentRead}), the
 * live counts, and the health vitals of the last second; mapped by {@link DashboardBody}. The live stream's
 * {@code metrics} frames carry the same {@link #body}. Thread-safe.
 */
final class DashboardService implements HttpService {
    static final String PATH = "/dashboard";

    private final RollupReader reader;
    private final LiveCounts live;
    private final HealthProbe probe;
    private final Duration queueStaleness;
    private final InstantSource clock;
    private final ResponseCache cache;

    /** @param queueStaleness the engine runs while its newest queue snapshot is younger than this */
    DashboardService(RollupReader reader, LiveCounts live, HealthProbe probe, Duration queueStaleness,
                     InstantSource clock, ResponseCache cache) {
        this.reader = reader;
        this.live = live;
        this.probe = probe;
        this.queueStaleness = queueStaleness;
        this.clock = clock;
        this.cache = cache;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get(PATH, this::dashboard);
    }

    private void dashboard(ServerRequest req, ServerResponse res) {
        ResponseWriter.send(req, res, 200, cache.json(PATH, () -> body(clock.instant())), ResponseWriter.JSON);
    }

    /** The summary as of {@code now}. */
    Map<String, Object> body(Instant now) {
        Instant at = now.truncatedTo(ChronoUnit.MILLIS);
        ConcurrentRead<AutomationReport> automation = ConcurrentRead.start(() -> reader.automation(at));
        RollupReader.Summary summary = reader.summary(at);
        HealthReport.Vitals vitals = probe.recentVitals(at);
        AutomationReport automationReport = automation.join();
        return DashboardBody.of(at, summary, automationReport, live.get(), vitals, queueStaleness);
    }
}
