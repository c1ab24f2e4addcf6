package dev.omnirollup.api;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * Frames in the {@code text/event-stream} format, collected in memory and written to the connection by
 * {@link #flush()}: the writer loop flushes once per batch of queued frames, so a busy stream costs one socket
 * write (one HTTP chunk) per batch instead of one per frame. Values get a leading space ({@code event: x}), the
 * conventional spelling (an SSE parser drops one leading space); a value with line breaks becomes several
 * {@code data:} lines. Used by one thread.
 */
final class SseWireSink implements SseSink {
    private static final Pattern LINE_BREAK = Pattern.compile("\r\n|\r|\n");
    private final OutputStream out;
    private final StringBuilder pending = new StringBuilder(4096);

    SseWireSink(OutputStream out) {
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
