package dev.omnirollup.api;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code GET /api/v2/events/stream}: validates the query (400), takes a slot of the per-key stream limit (429),
 * then holds the connection as a Server-Sent Events stream written by {@link SseHub} on this request's thread
 * until the client leaves. Authentication and the rate limit are {@link ApiKeyFilter}'s and
 * {@link RateLimitFilter}'s, as for every endpoint. Thread-safe.
 */
final class SseService implements HttpService {
    private static final Logger LOG = Logger.getLogger(SseService.class.getName());
    static final String PATH = "/events/stream";
    static final HeaderName LAST_EVENT_ID = HeaderNames.create("Last-Event-ID");
    private static final HeaderName ACCEL_BUFFERING = HeaderNames.create("X-Accel-Buffering");

    private final SseHub hub;

    SseService(SseHub hub) {
        this.hub = hub;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get(PATH, this::stream);
    }

    private void stream(ServerRequest req, ServerResponse res) {
        Map<String, List<String>> params = new TreeMap<>();
        for (String name : SseQuery.PARAMETERS) {
            if (req.query().contains(name)) {
                params.put(name, req.query().all(name));
            }
        }
        SseQuery query = SseQuery.parse(params, req.headers().first(LAST_EVENT_ID));
        String principal = ApiKeyFilter.principal(req).map(ApiKeys.Principal::id).orElse("anonymous");
        SseClient client = hub.open(principal, query);
        try {
            res.header(HeaderNames.CONTENT_TYPE, "text/event-stream");
            res.header(HeaderNames.CACHE_CONTROL, "no-cache");
            res.header(ACCEL_BUFFERING, "no"); // proxies such as nginx must not buffer the stream
            if (ResponseWriter.isHead(req)) {
                // a stream's body never ends, so HEAD gets its status and headers now (with Content-Length 0)
                ResponseWriter.send(req, res, 200, new byte[0], "text/event-stream");
                return;
            }
            OutputStream out = res.outputStream();
            try {
                hub.serve(client, new SseWireSink(out));
            } finally {
                try {
                    out.close();
                } catch (IOException | RuntimeException e) {
                    LOG.log(Level.FINEST, "closing a live stream whose client left", e);
                }
            }
        } finally {
            hub.release(client);
        }
    }
}
