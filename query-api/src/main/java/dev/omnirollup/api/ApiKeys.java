package dev.omnirollup.api;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.omnirollup.store.RollupDatabase;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * API-key validation as upstream (contract §1.2): the key must start with {@code omni_sk_}; its SHA-256 hex digest
 * is looked up in Omni's {@code api_keys} with {@code status = 'active'} and no past {@code expires_at}. Positive
 * results are cached for {@code api-key-cache-ttl} (keyed by the digest, never the key; the expiry is checked again
 * on every hit). An optional static key from the configuration is accepted without a lookup. Keys are never logged.
 * Thread-safe.
 */
final class ApiKeys {
    static final String PREFIX = "omni_sk_";

    /** Who a request is authenticated as: the api_keys row id, or {@code static}. Used for rate limiting. */
    record Principal(String id) {
    }

    private record Valid(String id, Optional<Instant> expiresAt) {
    }

    private final RollupDatabase database;
    private final InstantSource clock;
    private final Optional<byte[]> staticKeyDigest;
    private final Optional<Cache<String, Valid>> cache;

    ApiKeys(RollupDatabase database, InstantSource clock, Optional<String> staticKey, Duration cacheTtl) {
        this.database = database;
        this.clock = clock;
        this.staticKeyDigest = staticKey.map(ApiKeys::sha256);
        this.cache = cacheTtl.isZero() ? Optional.empty() : Optional.of(Caffeine.newBuilder()
                .expireAfterWrite(cacheTtl.toNanos(), TimeUnit.NANOSECONDS)
                .ticker(() -> clock.millis() * 1_000_000L)
                .maximumSize(10_000)
                .build());
    }

    /** The principal of a valid key; empty for an invalid one. Throws when the database fails. */
    Optional<Principal> validate(String key) {
        if (!key.startsWith(PREFIX)) {
            return Optional.empty();
        }
        byte[] digest = sha256(key);
        if (staticKeyDigest.isPresent() && MessageDigest.isEqual(staticKeyDigest.get(), digest)) {
            return Optional.of(new Principal("static"));
        }
        String hash = HexFormat.of().formatHex(digest);
        Instant now = clock.instant();
        if (cache.isPresent()) {
            Valid hit = cache.get().getIfPresent(hash);
            if (hit != null) {
                if (hit.expiresAt().isEmpty() || hit.expiresAt().get().isAfter(now)) {
                    return Optional.of(new Principal(hit.id()));
                }
                cache.get().invalidate(hash);
                return Optional.empty();
            }
        }
        Optional<Valid> found = lookup(hash, now);
        found.ifPresent(valid -> cache.ifPresent(c -> c.put(hash, valid)));
        return found.map(valid -> new Principal(valid.id()));
    }

    private Optional<Valid> lookup(String hash, Instant now) {
        return database.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT id::text, expires_at FROM " + database.omni("api_keys")
                    + " WHERE key_hash = ? AND status = 'active' AND (expires_at IS NULL OR expires_at > ?)")) {
                ps.setString(1, hash);
                ps.setObject(2, LocalDateTime.ofInstant(now, ZoneOffset.UTC));
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    Optional<Instant> expiresAt = Optional.ofNullable(rs.getObject(2, LocalDateTime.class))
                            .map(t -> t.toInstant(ZoneOffset.UTC));
                    return Optional.of(new Valid(rs.getString(1), expiresAt));
                }
            }
        });
    }

    static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
