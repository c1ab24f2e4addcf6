package dev.omnirollup.api;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * Sends every complete response of the API: status, content type, {@code Server-Timing} (server time since the
 * request reached the first filter) and the body; to a request that came as {@code HEAD} (routed as {@code GET} by
 * {@link HeadAsGetFilter}) the same status and headers, {@code Content-Length} included, without the body, as
 * upstream's framework (Hono) answers {@code HEAD}. Stateless.
 */
final class ResponseWriter {
    static final String JSON = "application/json";
    static final HeaderName SERVER_TIMING = HeaderNames.create("Server-Timing");
    private static final String START = "omni-rollup.start-nanos";
    private static final String HEAD = "omni-rollup.head";

    private ResponseWriter() {
    }

    /** Records when the request reached the first filter ({@link System#nanoTime()}), for {@code Server-Timing}. */
    static void markStart(ServerRequest req, long startNanos) {
        req.context().register(START, startNanos);
    }

    /** Records that the request came as {@code HEAD}: its response goes without a body. */
    static void markHead(ServerRequest req) {
        req.context().register(HEAD, Boolean.TRUE);
    }

    /** Whether the request came as {@code HEAD} (it is routed as {@code GET}). */
    static boolean isHead(ServerRequest req) {
        return req.context().get(HEAD, Boolean.class).orElse(false);
    }

    static void send(ServerRequest req, ServerResponse res, int status, byte[] body, String contentType) {
        long start = req.context().get(START, Long.class).orElse(System.nanoTime());
        res.status(Status.create(status));
        res.header(HeaderNames.CONTENT_TYPE, contentType);
        res.header(SERVER_TIMING, serverTiming(System.nanoTime() - start));
        if (isHead(req)) {
            res.header(HeaderNames.CONTENT_LENGTH, Integer.toString(body.length));
            res.send(new byte[0]);
        } else {
            res.send(body);
        }
    }

    /** {@code total;dur=<milliseconds with three decimals>} (what {@code %.3f} prints, without a Formatter). */
    static String serverTiming(long nanos) {
        long micros = Math.max(0, (nanos + 500) / 1_000);
        long fraction = micros % 1_000;
        return "total;dur=" + micros / 1_000 + (fraction < 10 ? ".00" : fraction < 100 ? ".0" : ".") + fraction;
    }

    /** {@link #send} of {@code body} written by {@link Json}. */
    static void sendJson(ServerRequest req, ServerResponse res, int status, Object body) {
        send(req, res, status, Json.bytes(body), JSON);
    }
}
