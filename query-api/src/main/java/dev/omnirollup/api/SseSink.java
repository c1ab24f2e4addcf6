package dev.omnirollup.api;

/** Where the frames of one live stream go: its SSE connection ({@link SseWireSink}) or a test double. */
interface SseSink {
    /** Adds one frame with its {@code id:}, {@code event:} and {@code data:} lines (sent by {@link #flush}). */
    void frame(String id, String event, String data);

    /** Adds one comment line ({@code : text}) (sent by {@link #flush}). */
    void comment(String text);

    /** Sends what was added since the last flush; blocks while the client does not read. */
    void flush();
}
