package dev.omnirollup.api;

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
 * {@code GET /api/v2/automation-metrics} and its alias {@code /automations/automation-metrics} (upstream serves
 * both): one statement of the automation rollups ({@link RollupReader#automation}), mapped by
 * {@link AutomationBody}. Thread-safe.
 */
final class AutomationService implements HttpService {
    static final String PATH = "/automation-metrics";
    static final String ALIAS = "/automations/automation-metrics";

    private final RollupReader reader;
    private final Duration queueStaleness;
    private final InstantSource clock;
    private final ResponseCache cache;

    /** @param queueStaleness the engine runs while its newest queue snapshot is younger than this */
    AutomationService(RollupReader reader, Duration queueStaleness, InstantSource clock, ResponseCache cache) {
        this.reader = reader;
        this.queueStaleness = queueStaleness;
        this.clock = clock;
        this.cache = cache;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get(PATH, this::metrics)
                .get(ALIAS, this::metrics);
    }

    private void metrics(ServerRequest req, ServerResponse res) {
        // both paths answer the same body: one cache entry
        ResponseWriter.send(req, res, 200, cache.json(PATH, () -> body(clock.instant())), ResponseWriter.JSON);
    }

    Map<String, Object> body(Instant now) {
        return AutomationBody.of(reader.automation(now.truncatedTo(ChronoUnit.MILLIS)), now, queueStaleness);
    }
}
