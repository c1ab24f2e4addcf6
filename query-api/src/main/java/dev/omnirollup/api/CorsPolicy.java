package dev.omnirollup.api;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerResponse;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Upstream's CORS settings with the allowed origins of {@code cors-origins}: {@code *} for any origin, else a
 * comma-separated list (empty = none). Immutable.
 */
record CorsPolicy(boolean any, List<String> origins) {
    static final String METHODS = "GET,POST,PUT,PATCH,DELETE,OPTIONS";
    static final String HEADERS = "Content-Type,x-api-key,x-request-id";
    static final String EXPOSE = "x-request-id,X-RateLimit-Limit,X-RateLimit-Remaining,X-RateLimit-Reset";

    CorsPolicy {
        origins = List.copyOf(origins);
    }

    static CorsPolicy parse(String setting) {
        String trimmed = setting.trim();
        if (trimmed.equals("*")) {
            return new CorsPolicy(true, List.of());
        }
        return new CorsPolicy(false, Arrays.stream(trimmed.split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).toList());
    }

    private Optional<String> allowed(Optional<String> origin) {
        if (any) {
            return Optional.of("*");
        }
        return origin.filter(origins::contains);
    }

    /** The headers of every response to a request from {@code origin}. */
    void apply(Optional<String> origin, ServerResponse res) {
        allowed(origin).ifPresent(value -> {
            res.header(HeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, value);
            res.header(HeaderNames.ACCESS_CONTROL_EXPOSE_HEADERS, EXPOSE);
        });
        if (!any) {
            res.header(HeaderNames.VARY, "Origin");
        }
    }

    /** The further headers of a preflight ({@code OPTIONS}) answer to an allowed origin. */
    void preflight(Optional<String> origin, ServerResponse res) {
        if (allowed(origin).isEmpty()) {
            return;
        }
        res.header(HeaderNames.ACCESS_CONTROL_MAX_AGE, "86400");
        res.header(HeaderNames.ACCESS_CONTROL_ALLOW_METHODS, METHODS);
        res.header(HeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, HEADERS);
    }
}
