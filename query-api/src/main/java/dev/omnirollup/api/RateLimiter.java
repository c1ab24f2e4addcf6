package dev.omnirollup.api;

import java.time.InstantSource;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Upstream's rate limit: a fixed 60-second window per principal that starts with the principal's
 * first request, {@code limit} requests in it. Uses the injected clock. Thread-safe.
 */
final class RateLimiter {
    static final long WINDOW_MS = 60_000;

    /** The outcome of one request: whether it may pass and the values of the {@code X-RateLimit-*} headers. */
    record Decision(boolean allowed, int limit, long remaining, long resetEpochSecond, long retryAfterMs) {
    }

    private static final class Window {
        long resetAtMs;
        long count;
    }

    private final int limit;
    private final InstantSource clock;
    private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

    RateLimiter(int limit, InstantSource clock) {
        this.limit = limit;
        this.clock = clock;
    }

    Decision hit(String principal) {
        long now = clock.millis();
        Window window = windows.computeIfAbsent(principal, k -> new Window());
        long count;
        long resetAt;
        synchronized (window) {
            if (window.resetAtMs <= now) {
                window.resetAtMs = now + WINDOW_MS;
                window.count = 0;
            }
            window.count++;
            count = window.count;
            resetAt = window.resetAtMs;
        }
        if (windows.size() > 10_000) {
            windows.values().removeIf(w -> w.resetAtMs <= now);
        }
        return new Decision(count <= limit, limit, Math.max(0, limit - count), Math.ceilDiv(resetAt, 1000),
                Math.max(0, resetAt - now));
    }
}
