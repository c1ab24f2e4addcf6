package dev.omnirollup.api;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * With {@code cache-ttl > 0}, the JSON of each distinct query kept that long, shared by the data endpoints (at most
 * 1 000 bodies); with 0, every body is computed. A body that fails is never kept. Correctness never depends on it.
 * Thread-safe.
 */
final class ResponseCache {
    private final Optional<Cache<String, byte[]>> cache;

    ResponseCache(Duration ttl, InstantSource clock) {
        this.cache = ttl.isZero() ? Optional.empty() : Optional.of(Caffeine.newBuilder()
                .expireAfterWrite(ttl.toNanos(), TimeUnit.NANOSECONDS)
                .ticker(() -> clock.millis() * 1_000_000L)
                .maximumSize(1_000)
                .build());
    }

    /** The JSON of {@code body}, or the one kept under {@code key} if it is fresh. */
    byte[] json(String key, Supplier<Object> body) {
        return cache.isPresent()
                ? cache.get().get(key, k -> Json.bytes(body.get()))
                : Json.bytes(body.get());
    }
}
