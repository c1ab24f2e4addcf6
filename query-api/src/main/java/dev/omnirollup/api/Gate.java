package dev.omnirollup.api;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpPrologue;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.ServerConnectionException;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.security.SecureRandom;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one filter in front of every route, doing in order what upstream's middleware stack does:
 * {@code x-request-id} (echoed or generated), {@code secureHeaders()}-style headers, CORS (preflight answered with
 * 204 before authentication), API-key authentication for everything under {@code /api/v2} except the public paths,
 * the per-key rate limit with its {@code X-RateLimit-*} headers, then the route; error responses for
 * {@link ApiProblem} and a stack-trace-free 500 for anything else; request metrics. {@code HEAD} is answered as
 * {@code GET} without a body, as upstream's framework (Hono) does: routed as {@code GET}, with {@link #send} keeping
 * the status and headers and dropping the body. Never logs keys or query strings. Thread-safe.
 */
final class Gate implements Filter {
    private static final Logger LOG = Logger.getLogger(Gate.class.getName());
    /** One FINE line per request: method, path (never the query string, which may hold a key), status, time. */
    private static final Logger ACCESS = Logger.getLogger("dev.omnirollup.api.access");

    static final String API = "/api/v2";
    static final HeaderName API_KEY = HeaderNames.create("x-api-key");
    static final HeaderName REQUEST_ID = HeaderNames.create("x-request-id");
    static final HeaderName RATE_LIMIT = HeaderNames.create("X-RateLimit-Limit");
    static final HeaderName RATE_REMAINING = HeaderNames.create("X-RateLimit-Remaining");
    static final HeaderName RATE_RESET = HeaderNames.create("X-RateLimit-Reset");
    static final HeaderName SERVER_TIMING = HeaderNames.create("Server-Timing");
    private static final String START = "omni-rollup.start-nanos";
    private static final String PRINCIPAL = "omni-rollup.principal";
    private static final String HEAD = "omni-rollup.head";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Secure headers as Hono's {@code secureHeaders()} sets them by default; every response carries them. */
    static final Map<String, String> SECURE_HEADERS = secureHeaders();

    private final Set<String> publicPaths;
    private final Set<String> routes;
    private final CorsPolicy cors;
    private final ApiKeys keys;
    private final RateLimiter limiter;
    private final HttpMetrics metrics;

    Gate(Set<String> publicPaths, Set<String> routes, CorsPolicy cors, ApiKeys keys, RateLimiter limiter,
         HttpMetrics metrics) {
        this.publicPaths = Set.copyOf(publicPaths);
        this.routes = Set.copyOf(routes);
        this.cors = cors;
        this.keys = keys;
        this.limiter = limiter;
        this.metrics = metrics;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        long start = System.nanoTime();
        req.context().register(START, start);
        String path = req.path().path();
        Method method = req.prologue().method();
        try {
            res.header(REQUEST_ID, requestId(req));
            SECURE_HEADERS.forEach(res::header);
            Optional<String> origin = req.headers().first(HeaderNames.ORIGIN);
            cors.apply(origin, res);
            if (method == Method.OPTIONS) {
                cors.preflight(origin, req.headers().first(HeaderNames.ACCESS_CONTROL_REQUEST_HEADERS), res);
                res.status(Status.NO_CONTENT_204).send();
                return;
            }
            if (method == Method.HEAD) {
                req.context().register(HEAD, Boolean.TRUE);
                HttpPrologue head = req.prologue();
                req.prologue(HttpPrologue.create(head.rawProtocol(), head.protocol(), head.protocolVersion(),
                        Method.GET, head.uriPath(), head.query(), head.fragment()));
            }
            if (needsKey(path)) {
                authenticate(req, res);
            }
            chain.proceed();
        } catch (ApiProblem problem) {
            send(req, res, problem.status(), Json.bytes(problem.body()), "application/json");
        } catch (RuntimeException e) {
            if (res.isSent() && (e instanceof ServerConnectionException || e instanceof java.io.UncheckedIOException)) {
                // the client went away during the response (e.g. a live stream that was closed): nothing wrong here
                LOG.log(Level.FINE, "{0} {1}: the client left: {2}", new Object[] {method.text(), path, describe(e)});
                return;
            }
            LOG.log(Level.WARNING, "{0} {1} failed: {2}", new Object[] {method.text(), path, describe(e)});
            LOG.log(Level.FINE, "stack trace", e);
            if (!res.isSent()) {
                ApiProblem internal = ApiProblem.internal();
                send(req, res, 500, Json.bytes(internal.body()), "application/json");
            }
        } finally {
            long nanos = System.nanoTime() - start;
            int status = res.status().code();
            metrics.record(routes.contains(path) ? path : "unmatched", method.text(), status, nanos);
            if (ACCESS.isLoggable(Level.FINE)) {
                ACCESS.fine(String.format(Locale.ROOT, "%s %s %d %.3fms", method.text(), path, status, nanos / 1e6));
            }
        }
    }

    private boolean needsKey(String path) {
        return (path.equals(API) || path.startsWith(API + "/")) && !publicPaths.contains(path);
    }

    private void authenticate(RoutingRequest req, RoutingResponse res) {
        Optional<String> header = req.headers().first(API_KEY);
        Optional<String> key = header.isPresent() ? header : req.query().first("api_key").asOptional();
        if (key.isEmpty() || key.get().isEmpty()) {
            throw ApiProblem.unauthorized(
                    "API key required. Provide via x-api-key header or api_key query parameter.");
        }
        Optional<ApiKeys.Principal> principal = keys.validate(key.get());
        if (principal.isEmpty()) {
            throw ApiProblem.unauthorized("Invalid API key");
        }
        req.context().register(PRINCIPAL, principal.get().id());
        RateLimiter.Decision decision = limiter.hit(principal.get().id());
        res.header(RATE_LIMIT, Integer.toString(decision.limit()));
        res.header(RATE_REMAINING, Long.toString(decision.remaining()));
        res.header(RATE_RESET, Long.toString(decision.resetEpochSecond()));
        if (!decision.allowed()) {
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("retryAfterMs", decision.retryAfterMs());
            details.put("limit", decision.limit());
            details.put("windowMs", RateLimiter.WINDOW_MS);
            throw new ApiProblem(429, "RATE_LIMITED", "Too many requests. Please slow down.", details);
        }
    }

    /** Who the request is authenticated as (the api_keys row id, or {@code static}); {@code anonymous} on public paths. */
    static String principal(ServerRequest req) {
        return req.context().get(PRINCIPAL, String.class).orElse("anonymous");
    }

    /**
     * Sends a complete response with the {@code Server-Timing} header (server time so far); to a {@code HEAD}
     * request the same status and headers, {@code Content-Length} included, without the body.
     */
    static void send(ServerRequest req, ServerResponse res, int status, byte[] body, String contentType) {
        long start = req.context().get(START, Long.class).orElse(System.nanoTime());
        res.status(Status.create(status));
        res.header(HeaderNames.CONTENT_TYPE, contentType);
        res.header(SERVER_TIMING, String.format(Locale.ROOT, "total;dur=%.3f", (System.nanoTime() - start) / 1e6));
        if (isHead(req)) {
            res.header(HeaderNames.CONTENT_LENGTH, Integer.toString(body.length));
            res.send(new byte[0]);
        } else {
            res.send(body);
        }
    }

    /** Whether the request came as {@code HEAD} (it is routed as {@code GET}; {@link #send} drops the body). */
    static boolean isHead(ServerRequest req) {
        return req.context().get(HEAD, Boolean.class).orElse(false);
    }

    static void sendJson(ServerRequest req, ServerResponse res, int status, Object body) {
        send(req, res, status, Json.bytes(body), "application/json");
    }

    private static String requestId(RoutingRequest req) {
        Optional<String> given = req.headers().first(REQUEST_ID)
                .filter(id -> !id.isEmpty() && id.length() <= 200 && id.chars().allMatch(ch -> ch > 0x20 && ch < 0x7f));
        return given.orElseGet(() -> "req_" + Long.toString(System.currentTimeMillis(), 36) + "_"
                + Long.toString(RANDOM.nextLong() & Long.MAX_VALUE, 36).substring(0, 7));
    }

    private static String describe(Throwable e) {
        String message = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("");
        return e.getClass().getSimpleName() + (message.isEmpty() ? "" : ": " + message);
    }

    private static Map<String, String> secureHeaders() {
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

    /** Upstream's CORS settings with the allowed origins from {@code cors-origins}. */
    record CorsPolicy(boolean any, List<String> origins) {
        static final String METHODS = "GET,POST,PUT,PATCH,DELETE,OPTIONS";
        static final String HEADERS = "Content-Type,x-api-key,x-request-id";
        static final String EXPOSE = "x-request-id,X-RateLimit-Limit,X-RateLimit-Remaining,X-RateLimit-Reset";

        static CorsPolicy parse(String setting) {
            String trimmed = setting.trim();
            if (trimmed.equals("*")) {
                return new CorsPolicy(true, List.of());
            }
            return new CorsPolicy(false, java.util.Arrays.stream(trimmed.split(","))
                    .map(String::trim).filter(s -> !s.isEmpty()).toList());
        }

        private Optional<String> allowed(Optional<String> origin) {
            if (any) {
                return Optional.of("*");
            }
            return origin.filter(origins::contains);
        }

        void apply(Optional<String> origin, ServerResponse res) {
            allowed(origin).ifPresent(value -> {
                res.header(HeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, value);
                res.header(HeaderNames.ACCESS_CONTROL_EXPOSE_HEADERS, EXPOSE);
            });
            if (!any) {
                res.header(HeaderNames.VARY, "Origin");
            }
        }

        void preflight(Optional<String> origin, Optional<String> requestedHeaders, ServerResponse res) {
            if (allowed(origin).isEmpty()) {
                return;
            }
            res.header(HeaderNames.ACCESS_CONTROL_MAX_AGE, "86400");
            res.header(HeaderNames.ACCESS_CONTROL_ALLOW_METHODS, METHODS);
            res.header(HeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, HEADERS);
        }
    }
}
