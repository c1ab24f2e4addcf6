package dev.omnirollup.api;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.http.DirectHandlers;

/**
 * Answers requests that the HTTP layer rejects before any route sees them (a malformed request line, bad percent
 * encoding, an oversized URI or header) with the API's JSON error body and security headers, instead of an empty
 * response. The rejected input is never echoed.
 */
final class TransportErrors implements DirectHandler {
    private TransportErrors() {
    }

    /** The handlers for every kind of transport-level event. */
    static DirectHandlers handlers() {
        DirectHandlers.Builder builder = DirectHandlers.builder();
        TransportErrors handler = new TransportErrors();
        for (EventType type : EventType.values()) {
            builder.addHandler(type, handler);
        }
        return builder.build();
    }

    @Override
    public TransportResponse handle(TransportRequest request, EventType eventType, Status status,
                                    ServerResponseHeaders responseHeaders, String message) {
        ApiProblem problem = status.code() >= 500 ? ApiProblem.internal()
                : ApiProblem.transport(status.code(), status.reasonPhrase());
        TransportResponse.Builder response = TransportResponse.builder()
                .status(status)
                .headers(responseHeaders)
                .header(HeaderNames.CONTENT_TYPE, "application/json")
                .entity(Json.bytes(problem.body()));
        Gate.SECURE_HEADERS.forEach((name, value) -> response.header(HeaderNames.create(name), value));
        return response.build();
    }
}
