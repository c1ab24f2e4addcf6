package dev.omnirollup.api;

import dev.omnirollup.store.RollupReader;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.Map;

/**
 * {@code GET /api/v2/event-ops/metrics}: one statement of the rollups ({@link RollupReader#metrics}) and the live
 * counts, mapped by {@link EventOpsBody}. Thread-safe.
 */
final class EventOpsService implements HttpService {
    static final String PATH = "/event-ops/metrics";

    private final RollupReader reader;
    private final LiveCounts live;
    private final InstantSource clock;
    private final ResponseCache cache;

    EventOpsService(RollupReader reader, LiveCounts live, InstantSource clock, ResponseCache cache) {
        this.reader = reader;
        this.live = live;
        this.clock = clock;
        this.cache = cache;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get(PATH, this::metrics);
    }

    private void metrics(ServerRequest req, ServerResponse res) {
        ResponseWriter.send(req, res, 200, cache.json(PATH, () -> body(clock.instant())), ResponseWriter.JSON);
    }

    Map<String, Object> body(Instant now) {
        RollupReader.Metrics metrics = reader.metrics(now.truncatedTo(ChronoUnit.MILLIS));
        return EventOpsBody.of(metrics, live.get());
    }
}
