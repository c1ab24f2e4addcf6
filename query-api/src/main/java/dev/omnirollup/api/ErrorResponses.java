package dev.omnirollup.api;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.ServerConnectionException;
import io.helidon.webserver.http.DirectHandlers;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.UncheckedIOException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one place where failures become responses, all with upstream's envelope
 * {@code {"error":{"code","message"[,"details"]}}}: an {@link ApiProblem} thrown by a filter or a route gets its own
 * status and body; anything else is logged and answered with a 500 that shows no stack trace; and a request the HTTP
 * layer refuses before routing (a malformed request line or escape, an oversized URI or header) gets
 * {@code HTTP_ERROR} with its status and the security headers, never an empty response, and never the rejected
 * input. Routed errors keep the headers set before the failure (request id, security, CORS, rate limit).
 * Thread-safe.
 */
final class ErrorResponses implements DirectHandler {
    private static final Logger LOG = Logger.getLogger(ErrorResponses.class.getName());

    /** Maps the errors of every filter and route of {@code routing}. */
    void register(HttpRouting.Builder routing) {
        routing.error(ApiProblem.class, this::problem)
                .error(Exception.class, this::unexpected);
    }

    /** Maps the requests refused before routing, for every kind of transport-level event. */
    DirectHandlers directHandlers() {
        DirectHandlers.Builder builder = DirectHandlers.builder();
        for (EventType type : EventType.values()) {
            builder.addHandler(type, this);
        }
        return builder.build();
    }

    private void problem(ServerRequest req, ServerResponse res, ApiProblem problem) {
        ResponseWriter.sendJson(req, res, problem.status(), problem.body());
    }

    private void unexpected(ServerRequest req, ServerResponse res, Exception e) {
        String method = req.prologue().method().text();
        String path = req.path().absolute().path(); // inside a service, path() is relative to the service
        if (res.isSent() && (e instanceof ServerConnectionException || e instanceof UncheckedIOException)) {
            // the client went away during the response (e.g. a live stream that was closed): nothing wrong here
            LOG.log(Level.FINE, "{0} {1}: the client left: {2}", new Object[] {method, path, Failures.describe(e)});
            return;
        }
        LOG.log(Level.WARNING, "{0} {1} failed: {2}", new Object[] {method, path, Failures.describe(e)});
        LOG.log(Level.FINE, "stack trace", e);
        if (!res.isSent()) {
            ApiProblem internal = ApiProblem.internal();
            ResponseWriter.sendJson(req, res, internal.status(), internal.body());
        }
    }

    @Override
    public TransportResponse handle(TransportRequest request, EventType eventType, Status status,
                                    ServerResponseHeaders responseHeaders, String message) {
        ApiProblem problem = status.code() >= 500 ? ApiProblem.internal()
                : ApiProblem.transport(status.code(), status.reasonPhrase());
        TransportResponse.Builder response = TransportResponse.builder()
                .status(status)
                .headers(responseHeaders)
                .header(HeaderNames.CONTENT_TYPE, ResponseWriter.JSON)
                .entity(Json.bytes(problem.body()));
        ResponseHeadersFilter.SECURITY_HEADERS.forEach((name, value) -> response.header(HeaderNames.create(name), value));
        return response.build();
    }
}
