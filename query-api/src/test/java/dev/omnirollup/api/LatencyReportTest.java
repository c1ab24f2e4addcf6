package dev.omnirollup.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.omnirollup.sim.BulkHistory;
import dev.omnirollup.sim.ScratchDatabase;
import dev.omnirollup.store.Backfill;
import dev.omnirollup.store.RollupDatabase;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Measures server time per endpoint (the {@code Server-Timing} header: from the first filter to the response being
 * handed to the socket) over {@code latency.requests} sequential requests (default 1000) after a warm-up, on a
 * database holding {@code latency.events} backfilled raw events (default 100 000, 50 instances, 30 days) plus
 * automation logs, {@code latency.fraction} of them (default 0, as upstream writes none) with processing and agent
 * latencies. Prints a table; asserts nothing about time (CI machines vary). Run bigger with e.g.
 * {@code ./mvnw -pl query-api test -Dtest=LatencyReportTest -Dlatency.events=2000000}.
 */
class LatencyReportTest {
    static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MINUTES);

    @Test
    void serverTimePerEndpoint() {
        long events = Long.getLong("latency.events", 100_000);
        double latencyFraction = Double.parseDouble(System.getProperty("latency.fraction", "0"));
        int requests = Integer.getInteger("latency.requests", 1_000);
        try (ScratchDatabase scratch = TestApi.freshDatabase()) {
            long fillStart = System.nanoTime();
            BulkHistory.fill(scratch, BulkHistory.Options.of(events, NOW, Duration.ofDays(30))
                    .withLatencyFraction(latencyFraction).withParallelism(100_000, 2));
            try (RollupDatabase database = TestApi.open(scratch, 2)) {
                Instant cutover = database.ensureCutover(NOW);
                Backfill backfill = new Backfill(database, InstantSource.fixed(NOW), Duration.ofDays(9));
                backfill.run(backfill.plan(cutover, Optional.empty(), Optional.empty()), false, () -> false, (p, r) -> { });
            }
            scratch.jdbi().useHandle(h -> h.execute("ANALYZE"));
            System.out.printf("%nloaded %,d raw events (30 days, 50 instances, %.0f %% with latencies) and backfilled"
                    + " them in %.1f s%n", events, latencyFraction * 100, (System.nanoTime() - fillStart) / 1e9);
            Map<String, String> endpoints = new LinkedHashMap<>();
            endpoints.put("/event-ops/metrics", "/api/v2/event-ops/metrics");
            endpoints.put("/events/analytics", "/api/v2/events/analytics");
            endpoints.put("/events/analytics?granularity=hourly", "/api/v2/events/analytics?granularity=hourly");
            endpoints.put("/events/analytics?allTime=true", "/api/v2/events/analytics?allTime=true");
            endpoints.put("/events/analytics 7d daily fill=zero", "/api/v2/events/analytics?granularity=daily&fill=zero&since="
                    + NOW.minus(Duration.ofDays(7)));
            endpoints.put("/dead-letters/stats", "/api/v2/dead-letters/stats");
            endpoints.put("/automation-metrics", "/api/v2/automation-metrics");
            endpoints.put("/dashboard", "/api/v2/dashboard");
            endpoints.put("/health", "/api/v2/health");
            // a live clock: windows move as they would in production
            try (TestApi api = TestApi.start(scratch, false, InstantSource.system(), Map.of(), Optional.empty())) {
                System.out.printf("%-40s %9s %9s %9s %9s%n", "endpoint (" + requests + " requests each)", "p50 ms",
                        "p99 ms", "max ms", "client p50");
                for (Map.Entry<String, String> endpoint : endpoints.entrySet()) {
                    for (int i = 0; i < 200; i++) {
                        assertEquals(200, api.get(endpoint.getValue()).status());
                    }
                    double[] server = new double[requests];
                    double[] client = new double[requests];
                    for (int i = 0; i < requests; i++) {
                        long start = System.nanoTime();
                        TestApi.Reply reply = api.get(endpoint.getValue());
                        client[i] = (System.nanoTime() - start) / 1e6;
                        assertEquals(200, reply.status());
                        server[i] = Double.parseDouble(reply.header("Server-Timing").orElseThrow().substring("total;dur=".length()));
                    }
                    Arrays.sort(server);
                    Arrays.sort(client);
                    System.out.printf("%-40s %9.3f %9.3f %9.3f %9.3f%n", endpoint.getKey(), percentile(server, 0.50),
                            percentile(server, 0.99), server[server.length - 1], percentile(client, 0.50));
                }
            }
        }
    }

    private static double percentile(double[] sorted, double p) {
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
    }
}
