package dev.omnirollup.api;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code GET /api/v2/dead-letters/stats}: the live counts of Omni's {@code dead_letter_events} (no statement per
 * request), mapped by {@link DeadLettersBody}. Thread-safe.
 */
final class DeadLettersService implements HttpService {
    static final String PATH = "/dead-letters/stats";

    private final LiveCounts live;
    private final ResponseCache cache;

    DeadLettersService(LiveCounts live, ResponseCache cache) {
        this.live = live;
        this.cache = cache;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get(PATH, this::stats);
    }

    private void stats(ServerRequest req, ServerResponse res) {
        byte[] body = cache.json(PATH, () -> DeadLettersBody.of(live.get().deadLetters()));
        ResponseWriter.send(req, res, 200, body, ResponseWriter.JSON);
    }
}
