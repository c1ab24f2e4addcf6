package dev.omnirollup.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ServerMetricsTest {
    private static final String BEFORE = """
            # TYPE omni_rollup_http_request_duration_seconds histogram
            omni_rollup_http_request_duration_seconds_bucket{route="/api/v2/events/analytics",le="0.0005"} 3
            omni_rollup_http_request_duration_seconds_sum{route="/api/v2/events/analytics"} 0.5
            omni_rollup_http_request_duration_seconds_count{route="/api/v2/events/analytics"} 100
            omni_rollup_http_request_duration_seconds_sum{route="/api/v2/metrics"} 0.01
            omni_rollup_http_request_duration_seconds_count{route="/api/v2/metrics"} 4
            omni_rollup_sse_frames_dropped_total 0
            """;
    private static final String AFTER = """
            omni_rollup_http_request_duration_seconds_sum{route="/api/v2/events/analytics"} 2.5
            omni_rollup_http_request_duration_seconds_count{route="/api/v2/events/analytics"} 1100
            omni_rollup_http_request_duration_seconds_sum{route="/api/v2/metrics"} 0.02
            omni_rollup_http_request_duration_seconds_count{route="/api/v2/metrics"} 5
            """;

    @Test
    void theRouteThatServedTheBatchAndItsMean() {
        var delta = ServerMetrics.parse(AFTER).busiestSince(ServerMetrics.parse(BEFORE)).orElseThrow();
        assertEquals("/api/v2/events/analytics", delta.route());
        assertEquals(1000, delta.requests());
        assertEquals(2.0, delta.meanMillis(), 1e-9);
    }

    @Test
    void noHistogramsNoDelta() {
        assertTrue(ServerMetrics.parse("").busiestSince(ServerMetrics.parse(BEFORE)).isEmpty());
    }
}
