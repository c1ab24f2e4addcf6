package dev.omnirollup.api;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.sse.SseEvent;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.sse.SseSink;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code GET /api/v2/events/stream}: validates the query (400), takes a slot of the per-key stream limit (429),
 * then holds the connection as a Server-Sent Events stream written by {@link LiveStream} on this request's thread
 * until the client leaves. Authentication and the rate limit are the {@link Gate}'s, as for every endpoint.
 * Thread-safe.
 */
final class StreamService implements HttpService {
    private static final Logger LOG = Logger.getLogger(StreamService.class.getName());
    static final String PATH = "/events/stream";
    static final HeaderName LAST_EVENT_ID = HeaderNames.create("Last-Event-ID");
    private static final HeaderName ACCEL_BUFFERING = HeaderNames.create("X-Accel-Buffering");

    private final LiveStream hub;

    StreamService(LiveStream hub) {
        this.hub = hub;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get(PATH, this::stream);
    }

    private void stream(ServerRequest req, ServerResponse res) {
        Map<String, List<String>> params = new TreeMap<>();
        for (String name : StreamQuery.PARAMETERS) {
            if (req.query().contains(name)) {
                params.put(name, req.query().all(name));
            }
        }
        StreamQuery query = StreamQuery.parse(params, req.headers().first(LAST_EVENT_ID));
        StreamClient client = hub.open(Gate.principal(req), query);
        try {
            res.header(ACCEL_BUFFERING, "no"); // proxies such as nginx must not buffer the stream
            SseSink sink = res.sink(SseSink.TYPE);
            try {
                hub.serve(client, new HelidonSink(sink));
            } finally {
                try {
                    sink.close();
                } catch (RuntimeException e) {
                    LOG.log(Level.FINEST, "closing a live stream whose client left", e);
                }
            }
        } finally {
            hub.release(client);
        }
    }

    /**
     * Frames through Helidon's {@link SseSink}. Values are given a leading space so the lines read
     * {@code event: x} / {@code id: x} / {@code data: x}, the conventional spelling (an SSE parser drops one
     * leading space, so the values are unchanged).
     */
    private record HelidonSink(SseSink sink) implements StreamClient.Sink {
        @Override
        public void frame(String id, String event, String data) {
            sink.emit(SseEvent.builder()
                    .id(" " + id)
                    .name(" " + event)
                    .data((" " + data).getBytes(StandardCharsets.UTF_8))
                    .build());
        }

        @Override
        public void comment(String text) {
            sink.emit(SseEvent.builder().comment(text).build());
        }
    }
}
