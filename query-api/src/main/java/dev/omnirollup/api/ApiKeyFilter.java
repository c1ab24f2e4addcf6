package dev.omnirollup.api;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;
import java.util.Optional;
import java.util.Set;

/**
 * Authenticates every request under {@code /api/v2} except the public paths, as upstream does: the key from the
 * {@code x-api-key} header or, when the header is absent, the {@code api_key} query parameter; 401 when it is
 * missing or not valid ({@link ApiKeys}). The principal is kept on the request for the rate limit and the live
 * stream's per-key limit. Never logs keys. Thread-safe.
 */
final class ApiKeyFilter implements Filter {
    static final HeaderName API_KEY = HeaderNames.create("x-api-key");
    private static final String PRINCIPAL = "omni-rollup.principal";

    private final Set<String> publicPaths;
    private final ApiKeys keys;

    /** @param publicPaths paths under {@code /api/v2} answered without a key, e.g. {@code /api/v2/health} */
    ApiKeyFilter(Set<String> publicPaths, ApiKeys keys) {
        this.publicPaths = Set.copyOf(publicPaths);
        this.keys = keys;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String path = req.path().path();
        if (needsKey(path)) {
            req.context().register(PRINCIPAL, authenticate(req));
        }
        chain.proceed();
    }

    /** Who the request is authenticated as; empty on public paths and outside {@code /api/v2}. */
    static Optional<ApiKeys.Principal> principal(ServerRequest req) {
        return req.context().get(PRINCIPAL, ApiKeys.Principal.class);
    }

    private boolean needsKey(String path) {
        return (path.equals(QueryApi.API) || path.startsWith(QueryApi.API + "/")) && !publicPaths.contains(path);
    }

    private ApiKeys.Principal authenticate(RoutingRequest req) {
        Optional<String> header = req.headers().first(API_KEY);
        Optional<String> key = header.isPresent() ? header : req.query().first("api_key").asOptional();
        if (key.isEmpty() || key.get().isEmpty()) {
            throw ApiProblem.unauthorized(
                    "API key required. Provide via x-api-key header or api_key query parameter.");
        }
        return keys.validate(key.get()).orElseThrow(() -> ApiProblem.unauthorized("Invalid API key"));
    }
}
