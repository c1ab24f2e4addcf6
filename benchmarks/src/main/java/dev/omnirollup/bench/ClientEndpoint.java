package dev.omnirollup.bench;

import dev.omnirollup.sim.UpstreamQueries;
import java.util.List;
import java.util.Optional;

/**
 * One request the client benchmark times: a dashboard endpoint with its default parameters (the targets apply to
 * these), or a reference that shows the overhead around them (a 404 of the API, the client against a fixed reply in
 * its own JVM). Some carry upstream's plain SQL for the same answer ({@link UpstreamQueries}). Immutable.
 *
 * @param expectedStatus the status a correct answer has (404 for the 404 reference)
 * @param dashboard      whether the targets apply (one of the dashboard's endpoints)
 * @param local          whether it is sent to the in-process fixed-reply server instead of the API
 */
record ClientEndpoint(String name, String path, int expectedStatus, boolean dashboard, boolean local,
                      Optional<QueryLatencyBench.Baseline> upstream) {

    static final String FIXED_REPLY = "client floor (fixed reply, same JVM)";
    static final String NOT_FOUND = "404 (API's HTTP floor)";

    /** The nine dashboard endpoints with default parameters, {@code instanceId} set to {@code instance}. */
    static List<ClientEndpoint> dashboard(String instance) {
        return List.of(
                api("metrics", "/api/v2/event-ops/metrics", UpstreamQueries::metrics),
                api("analytics (24h default)", "/api/v2/events/analytics",
                        (c, now) -> UpstreamQueries.analytics(c, now, Optional.empty(), Optional.empty(),
                                Optional.empty(), Optional.empty(), false)),
                api("analytics hourly", "/api/v2/events/analytics?granularity=hourly", null),
                api("analytics allTime", "/api/v2/events/analytics?allTime=true",
                        (c, now) -> UpstreamQueries.analytics(c, now, Optional.empty(), Optional.empty(),
                                Optional.empty(), Optional.empty(), true)),
                api("analytics instanceId", "/api/v2/events/analytics?instanceId=" + instance, null),
                api("dead-letters", "/api/v2/dead-letters/stats", null),
                api("automation-metrics", "/api/v2/automation-metrics", null),
                api("dashboard", "/api/v2/dashboard", null),
                api("health", "/api/v2/health", null));
    }

    /** The overhead references: the API's 404 and the client against a fixed reply. */
    static List<ClientEndpoint> references() {
        return List.of(
                new ClientEndpoint(NOT_FOUND, "/api/v2/bench-client-not-found", 404, false, false, Optional.empty()),
                new ClientEndpoint(FIXED_REPLY, "/", 200, false, true, Optional.empty()));
    }

    private static ClientEndpoint api(String name, String path, QueryLatencyBench.Baseline upstream) {
        return new ClientEndpoint(name, path, 200, true, false, Optional.ofNullable(upstream));
    }
}
