package dev.omnirollup.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The live stream's wire format: frames are collected and sent by one flush. */
class SseWireSinkTest {
    @Test
    void framesAndCommentsAreSentInTheEventStreamFormatOnFlush() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SseWireSink sink = new SseWireSink(out);
        sink.frame("s-1", "event.received", "{\"id\":\"é\"}");
        sink.comment(" heartbeat 1");
        assertEquals(0, out.size(), "nothing is sent before the flush");
        sink.flush();
        assertEquals("id: s-1\nevent: event.received\ndata: {\"id\":\"é\"}\n\n: heartbeat 1\n\n",
                out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aValueWithLineBreaksBecomesOneFieldPerLine() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SseWireSink sink = new SseWireSink(out);
        sink.frame("s-2", "metrics", "a\nb\r\nc\rd");
        sink.flush();
        sink.flush();
        assertEquals("id: s-2\nevent: metrics\ndata: a\ndata: b\ndata: c\ndata: d\n\n",
                out.toString(StandardCharsets.UTF_8));
    }
}
