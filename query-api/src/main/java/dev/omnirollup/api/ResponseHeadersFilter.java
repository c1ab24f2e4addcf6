package dev.omnirollup.api;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.security.SecureRandom;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The headers every response carries, set before anything else can answer (so error responses carry them too):
 * {@code x-request-id} (the client's if it is printable ASCII of at most 200 characters, else generated), the
 * security headers of Hono's {@code secureHeaders()}, and CORS; a CORS preflight ({@code OPTIONS}) is answered here
 * with 204, before authentication, as upstream does. Thread-safe.
 */
final class ResponseHeadersFilter implements Filter {
    static final HeaderName REQUEST_ID = HeaderNames.create("x-request-id");
    /** Security headers as Hono's {@code secureHeaders()} sets them by default. */
    static final Map<String, String> SECURITY_HEADERS = securityHeaders();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final CorsPolicy cors;

    ResponseHeadersFilter(CorsPolicy cors) {
        this.cors = cors;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        res.header(REQUEST_ID, requestId(req));
        SECURITY_HEADERS.forEach(res::header);
        Optional<String> origin = req.headers().first(HeaderNames.ORIGIN);
        cors.apply(origin, res);
        if (req.prologue().method() == Method.OPTIONS) {
            cors.preflight(origin, res);
            res.status(Status.NO_CONTENT_204).send();
            return;
        }
        chain.proceed();
    }

    private static String requestId(RoutingRequest req) {
        Optional<String> given = req.headers().first(REQUEST_ID)
                .filter(id -> !id.isEmpty() && id.length() <= 200 && id.chars().allMatch(ch -> ch > 0x20 && ch < 0x7f));
        return given.orElseGet(() -> "req_" + Long.toString(System.currentTimeMillis(), 36) + "_"
                + Long.toString(RANDOM.nextLong() & Long.MAX_VALUE, 36).substring(0, 7));
    }

    private static Map<String, String> securityHeaders() {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Cross-Origin-Resource-Policy", "same-origin");
        headers.put("Cross-Origin-Opener-Policy", "same-origin");
        headers.put("Origin-Agent-Cluster", "?1");
        headers.put("Referrer-Policy", "no-referrer");
        headers.put("Strict-Transport-Security", "max-age=15552000; includeSubDomains");
        headers.put("X-Content-Type-Options", "nosniff");
        headers.put("X-DNS-Prefetch-Control", "off");
        headers.put("X-Download-Options", "noopen");
        headers.put("X-Frame-Options", "SAMEORIGIN");
        headers.put("X-Permitted-Cross-Domain-Policies", "none");
        headers.put("X-XSS-Protection", "0");
        return Collections.unmodifiableMap(headers);
    }
}
