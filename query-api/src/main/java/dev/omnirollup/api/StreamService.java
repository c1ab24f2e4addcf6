package dev.omnirollup.api;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.logging.Level;
import java.util.regex.Pattern;
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
            res.header(HeaderNames.CONTENT_TYPE, "text/event-stream");
            res.header(HeaderNames.CACHE_CONTROL, "no-cache");
            res.header(ACCEL_BUFFERING, "no"); // proxies such as nginx must not buffer the stream
            if (Gate.isHead(req)) {
                // a stream's body never ends, so HEAD gets its status and headers now (with Content-Length 0)
                Gate.send(req, res, 200, new byte[0], "text/event-stream");
                return;
            }
            OutputStream out = res.outputStream();
            try {
                hub.serve(client, new WireSink(out));
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

    /**
     * Frames in the {@code text/event-stream} format, collected in memory and written to the connection by
     * {@link #flush()}: the writer loop flushes once per batch of queued frames, so a busy stream costs one socket
     * write (one HTTP chunk) per batch instead of one per frame. Values get a leading space ({@code event: x}), the
     * conventional spelling (an SSE parser drops one leading space); a value with line breaks becomes several
     * {@code data:} lines. Used by one thread.
     */
    static final class WireSink implements StreamClient.Sink {
        private static final Pattern LINE_BREAK = Pattern.compile("\r\n|\r|\n");
        private final OutputStream out;
        private final StringBuilder pending = new StringBuilder(4096);

        WireSink(OutputStream out) {
            this.out = out;
        }

        @Override
        public void frame(String id, String event, String data) {
            pending.append("id: ").append(id).append('\n');
            pending.append("event: ").append(event).append('\n');
            field("data: ", data);
            pending.append('\n');
        }

        @Override
        public void comment(String text) {
            field(":", text);
            pending.append('\n');
        }

        /** One line per line of {@code value} (a frame's JSON has none: the usual case costs one scan). */
        private void field(String prefix, String value) {
            if (value.indexOf('\n') < 0 && value.indexOf('\r') < 0) {
                pending.append(prefix).append(value).append('\n');
                return;
            }
            for (String line : LINE_BREAK.split(value, -1)) {
                pending.append(prefix).append(line).append('\n');
            }
        }

        @Override
        public void flush() {
            try {
                out.write(pending.toString().getBytes(StandardCharsets.UTF_8));
                pending.setLength(0);
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
