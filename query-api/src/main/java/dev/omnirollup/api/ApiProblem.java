package dev.omnirollup.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A request that ends in an error response with upstream's envelope
 * {@code {"error":{"code","message"[,"details"]}}}. Thrown by filters and handlers, written by
 * {@link ErrorResponses}.
 */
final class ApiProblem extends RuntimeException {
    private static final long serialVersionUID = 1L;

    static final String VALIDATION_MESSAGE = "Request validation failed";

    private final int status;
    private final transient Map<String, Object> body;

    ApiProblem(int status, String code, String message, Map<String, Object> details) {
        super(code + ": " + message, null, false, false);
        this.status = status;
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", code);
        error.put("message", message);
        if (!details.isEmpty()) {
            error.put("details", details);
        }
        this.body = Map.of("error", error);
    }

    /** 400 {@code VALIDATION_ERROR} with {@code details.fields}: parameter name to its messages. */
    static ApiProblem validation(Map<String, List<String>> fields) {
        return new ApiProblem(400, "VALIDATION_ERROR", VALIDATION_MESSAGE, Map.of("fields", fields));
    }

    static ApiProblem unauthorized(String message) {
        return new ApiProblem(401, "UNAUTHORIZED", message, Map.of());
    }

    /** 429 {@code RATE_LIMITED}: the key's requests in the current window are used up. */
    static ApiProblem rateLimited(long retryAfterMs, int limit, long windowMs) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("retryAfterMs", retryAfterMs);
        details.put("limit", limit);
        details.put("windowMs", windowMs);
        return new ApiProblem(429, "RATE_LIMITED", "Too many requests. Please slow down.", details);
    }

    /** 429 {@code RATE_LIMITED}: the key holds {@code limit} live streams already. */
    static ApiProblem tooManyStreams(int limit) {
        return new ApiProblem(429, "RATE_LIMITED", "Too many concurrent streams for this API key. "
                + "Close one before opening another.", Map.of("limit", limit));
    }

    /** 503: the server is stopping and opens no more live streams. */
    static ApiProblem shuttingDown() {
        return new ApiProblem(503, "INTERNAL_ERROR", "The server is shutting down", Map.of());
    }

    static ApiProblem notFound(String method, String path) {
        return new ApiProblem(404, "NOT_FOUND", "Endpoint not found: " + method + " " + path, Map.of());
    }

    /** A request the HTTP layer refused before routing (malformed request line or escapes, oversized URI). */
    static ApiProblem transport(int status, String reasonPhrase) {
        return new ApiProblem(status, "HTTP_ERROR", reasonPhrase, Map.of());
    }

    static ApiProblem internal() {
        return new ApiProblem(500, "INTERNAL_ERROR", "Internal server error", Map.of());
    }

    int status() {
        return status;
    }

    Map<String, Object> body() {
        return body;
    }
}
