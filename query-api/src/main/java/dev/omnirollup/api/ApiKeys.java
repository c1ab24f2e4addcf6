package dev.omnirollup.api;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.omnirollup.store.RollupDatabase;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.mapper.reflect.ConstructorMapper;

/**
 * API-key validation as upstream: the key must start with {@code omni_sk_}; its SHA-256 hex digest
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

    /** An active key's row: {@code expires_at} is a UTC wall-clock time, as Omni writes it. */
    record KeyRow(String id, Optional<LocalDateTime> expiresAt) {
    }

    private static final String SELECT_ACTIVE_KEY = "SELECT id::text AS id, expires_at FROM <omni>.api_keys"
            + " WHERE key_hash = :hash AND status = 'active' AND (expires_at IS NULL OR expires_at > :now)";
    private static final RowMapper<KeyRow> KEY_ROW = ConstructorMapper.of(KeyRow.class);

    private final Jdbi jdbi;
    private final InstantSource clock;
    private final Optional<byte[]> staticKeyDigest;
    private final Optional<Cache<String, Valid>> cache;

    ApiKeys(RollupDatabase database, InstantSource clock, Optional<String> staticKey, Duration cacheTtl) {
        this.jdbi = database.jdbi();
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
        Optional<KeyRow> row = jdbi.withHandle(handle -> handle.createQuery(SELECT_ACTIVE_KEY)
                .bind("hash", hash)
                .bind("now", LocalDateTime.ofInstant(now, ZoneOffset.UTC))
                .map(KEY_ROW)
                .findOne());
        return row.map(r -> new Valid(r.id(), r.expiresAt().map(t -> t.toInstant(ZoneOffset.UTC))));
    }

    static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
