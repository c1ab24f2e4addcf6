package dev.omnirollup.api;

import dev.omnirollup.store.RollupReader;
import dev.omnirollup.store.TimeWindow;
import dev.omnirollup.store.WindowReport;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * {@code GET /api/v2/events/analytics}: validates the query ({@link AnalyticsQuery}, 400 naming every bad
 * parameter), reads the window or all time from the rollups in one statement (none for an instance that no longer
 * exists: upstream counts its rows for no instance), and maps it with {@link AnalyticsBody}. Never reads
 * {@code omni_events}; every read is bounded by the buckets of the window (docs/windows.md). Thread-safe.
 */
final class AnalyticsService implements HttpService {
    static final String PATH = "/events/analytics";

    private final RollupReader reader;
    private final LiveCounts live;
    private final InstantSource clock;
    private final ResponseCache cache;

    AnalyticsService(RollupReader reader, LiveCounts live, InstantSource clock, ResponseCache cache) {
        this.reader = reader;
        this.live = live;
        this.clock = clock;
        this.cache = cache;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get(PATH, this::analytics);
    }

    private void analytics(ServerRequest req, ServerResponse res) {
        Map<String, List<String>> params = new TreeMap<>();
        for (String name : AnalyticsQuery.PARAMETERS) {
            if (req.query().contains(name)) {
                params.put(name, req.query().all(name));
            }
        }
        AnalyticsQuery query = AnalyticsQuery.parse(params);
        byte[] body = cache.json(PATH + "?" + params, () -> body(query, clock.instant()));
        ResponseWriter.send(req, res, 200, body, ResponseWriter.JSON);
    }

    Map<String, Object> body(AnalyticsQuery query, Instant now) {
        Instant at = now.truncatedTo(ChronoUnit.MILLIS);
        Optional<TimeWindow> window = query.window(at);
        if (window.isPresent() && query.fillZero()) {
            // refused before reading anything
            Timeline.requireWithinLimit(Timeline.span(query.granularity().orElseThrow(), window.get(),
                    at.toEpochMilli()).size());
        }
        Set<UUID> existing = live.get().instances().ids();
        WindowReport report;
        if (query.instanceId().isPresent() && !existing.contains(query.instanceId().get())) {
            report = WindowReport.EMPTY;
        } else if (window.isEmpty()) {
            report = reader.allTime(query.instanceId(), query.granularity());
        } else {
            report = reader.window(query.start(at).orElseThrow(), query.end(), query.instanceId(),
                    query.granularity(), at);
        }
        return AnalyticsBody.of(query, report, existing, at);
    }
}
