package dev.omnirollup.api;

import dev.omnirollup.store.Config;
import dev.omnirollup.store.Setting;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The settings of the query API: where it listens, keys and limits, CORS, the response cache, the live counts,
 * health's stall threshold, the live stream and the automation engine's staleness. Immutable.
 *
 * @param apiKey a static key accepted besides Omni's {@code api_keys}
 */
public record ApiSettings(String httpHost, int httpPort, Optional<String> apiKey, Duration apiKeyCacheTtl,
                          int rateLimit, String corsOrigins, Duration cacheTtl, Duration liveCountRefresh,
                          Duration ingestStallThreshold, Duration sseMetricsInterval, Duration sseHeartbeat,
                          int sseMaxStreamsPerKey, int sseClientBuffer, Duration automationQueueStaleness) {

    public static final Setting<String> HTTP_HOST = new Setting<>("http-host", "0.0.0.0", Setting::nonBlank,
            "Address the API listens on.");
    public static final Setting<Integer> HTTP_PORT = new Setting<>("http-port", "8882", Setting.intIn(0, 65535),
            "Port of the API and dashboard page.");
    public static final Setting<Optional<String>> API_KEY = new Setting<>("api-key", "", ApiSettings::optionalApiKey,
            "A static API key accepted besides Omni's api_keys (for standalone use; omni_sk_ + 32 alphanumerics).");
    public static final Setting<Duration> API_KEY_CACHE_TTL = new Setting<>("api-key-cache-ttl", "60s",
            Setting.durationIn(Duration.ZERO, Duration.ofHours(1)), "How long a validated key is trusted.");
    public static final Setting<Integer> RATE_LIMIT = new Setting<>("rate-limit", "1000",
            Setting.intIn(1, 100_000_000), "Requests per key per 60 s window.");
    public static final Setting<String> CORS_ORIGINS = new Setting<>("cors-origins", "", String::trim,
            "Allowed CORS origins, comma-separated, or * (empty = none).");
    public static final Setting<Duration> CACHE_TTL = new Setting<>("cache-ttl", "0s",
            Setting.durationIn(Duration.ZERO, Duration.ofMinutes(5)),
            "Response cache per distinct query (0 = off); correctness never depends on it.");
    public static final Setting<Duration> LIVE_COUNT_REFRESH = new Setting<>("live-count-refresh", "5s",
            Setting.durationIn(Duration.ofMillis(100), Duration.ofMinutes(10)),
            "Refresh period of the cached live counts (dead letters, payloads, instances). A refresh reads those"
            + " tables whole, so after one that took longer than a twentieth of the period the next waits 20 times as"
            + " long as it took (at most 5 % of a database backend; the gauge omni_rollup_live_count_refresh_seconds"
            + " shows the last one's length).");
    public static final Setting<Duration> INGEST_STALL_THRESHOLD = new Setting<>("ingest-stall-threshold", "60s",
            Setting.durationIn(Duration.ofSeconds(5), Duration.ofHours(24)),
            "Health reports a stream's ingest as failing when messages wait and nothing was applied for this long.");
    public static final Setting<Duration> SSE_METRICS_INTERVAL = new Setting<>("sse-metrics-interval", "5s",
            Setting.durationIn(Duration.ofMillis(500), Duration.ofMinutes(10)),
            "How often the live stream sends a metrics frame with the dashboard summary.");
    public static final Setting<Duration> SSE_HEARTBEAT = new Setting<>("sse-heartbeat", "15s",
            Setting.durationIn(Duration.ofSeconds(1), Duration.ofMinutes(5)),
            "How often an idle live stream sends a heartbeat comment.");
    public static final Setting<Integer> SSE_MAX_STREAMS_PER_KEY = new Setting<>("sse-max-streams-per-key", "5",
            Setting.intIn(1, 10_000), "Concurrent live streams one API key may hold (429 beyond).");
    public static final Setting<Integer> SSE_CLIENT_BUFFER = new Setting<>("sse-client-buffer", "512",
            Setting.intIn(16, 100_000),
            "Frames buffered per live-stream client; a slower client loses frames, counted.");
    public static final Setting<Duration> AUTOMATION_QUEUE_STALENESS = new Setting<>("automation-queue-staleness",
            "2m", Setting.durationIn(Duration.ofSeconds(1), Duration.ofDays(1)),
            "The automation engine counts as running while its newest queue snapshot is younger than this.");

    /** Every setting of this record, in the order the README documents them. */
    public static final List<Setting<?>> SETTINGS = List.of(HTTP_HOST, HTTP_PORT, API_KEY, API_KEY_CACHE_TTL,
            RATE_LIMIT, CORS_ORIGINS, CACHE_TTL, LIVE_COUNT_REFRESH, INGEST_STALL_THRESHOLD, SSE_METRICS_INTERVAL,
            SSE_HEARTBEAT, SSE_MAX_STREAMS_PER_KEY, SSE_CLIENT_BUFFER, AUTOMATION_QUEUE_STALENESS);

    public static ApiSettings from(Config config) {
        return new ApiSettings(config.get(HTTP_HOST), config.get(HTTP_PORT), config.get(API_KEY),
                config.get(API_KEY_CACHE_TTL), config.get(RATE_LIMIT), config.get(CORS_ORIGINS), config.get(CACHE_TTL),
                config.get(LIVE_COUNT_REFRESH), config.get(INGEST_STALL_THRESHOLD), config.get(SSE_METRICS_INTERVAL),
                config.get(SSE_HEARTBEAT), config.get(SSE_MAX_STREAMS_PER_KEY), config.get(SSE_CLIENT_BUFFER),
                config.get(AUTOMATION_QUEUE_STALENESS));
    }

    private static Optional<String> optionalApiKey(String value) {
        if (value.isBlank()) {
            return Optional.empty();
        }
        if (!value.matches("omni_sk_[A-Za-z0-9]{32}")) {
            throw new IllegalArgumentException("must be omni_sk_ followed by 32 letters or digits");
        }
        return Optional.of(value);
    }
}
