package dev.omnirollup.api;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.util.Optional;

/**
 * Upstream's per-key rate limit on authenticated requests (public paths are not limited): every such response
 * carries {@code X-RateLimit-Limit}, {@code -Remaining} and {@code -Reset}; beyond the limit the request ends in
 * 429 {@code RATE_LIMITED}. Runs after {@link ApiKeyFilter}, whose principal it counts. Thread-safe.
 */
final class RateLimitFilter implements Filter {
    static final HeaderName LIMIT = HeaderNames.create("X-RateLimit-Limit");
    static final HeaderName REMAINING = HeaderNames.create("X-RateLimit-Remaining");
    static final HeaderName RESET = HeaderNames.create("X-RateLimit-Reset");

    private final RateLimiter limiter;

    RateLimitFilter(RateLimiter limiter) {
        this.limiter = limiter;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        Optional<ApiKeys.Principal> principal = ApiKeyFilter.principal(req);
        if (principal.isPresent()) {
            RateLimiter.Decision decision = limiter.hit(principal.get().id());
            res.header(LIMIT, Integer.toString(decision.limit()));
            res.header(REMAINING, Long.toString(decision.remaining()));
            res.header(RESET, Long.toString(decision.resetEpochSecond()));
            if (!decision.allowed()) {
                throw ApiProblem.rateLimited(decision.retryAfterMs(), decision.limit(), RateLimiter.WINDOW_MS);
            }
        }
        chain.proceed();
    }
}
