package dev.omnirollup.deploy;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * One client of {@code GET /api/v2/events/stream} on a plain socket (HTTP/1.1, chunked), read on its own thread: counts
 * frames per event name and comments (heartbeats), remembers the last id and how the stream ended. A socket and a
 * hand-rolled reader cost far less CPU than {@link java.net.http.HttpClient}'s flow control, so on a small machine
 * the readers do not starve the server they measure. Thread-safe.
 */
final class SseReader implements AutoCloseable {
    private final Map<String, LongAdder> frames = new ConcurrentHashMap<>();
    private final LongAdder comments = new LongAdder();
    private final AtomicLong lastFrameNanos = new AtomicLong(System.nanoTime());
    private final AtomicReference<String> lastId = new AtomicReference<>("");
    private final AtomicReference<String> ended = new AtomicReference<>();
    private final Socket socket = new Socket();
    private volatile int status;
    private volatile boolean closing;
    private final Thread thread;

    private SseReader(int port, String pathAndQuery, String apiKey) {
        this.thread = Thread.ofPlatform().daemon().name("sse-reader").start(() -> run(port, pathAndQuery, apiKey));
    }

    /** Opens {@code pathAndQuery} (e.g. {@code /api/v2/events/stream}) on 127.0.0.1:port with the key. */
    static SseReader open(int port, String pathAndQuery, String apiKey) {
        return new SseReader(port, pathAndQuery, apiKey);
    }

    private void run(int port, String pathAndQuery, String apiKey) {
        try {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + pathAndQuery + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                    + "x-api-key: " + apiKey + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
            String statusLine = line(in);
            status = Integer.parseInt(statusLine.split(" ")[1]);
            boolean chunked = false;
            String header;
            while (!(header = line(in)).isEmpty()) {
                chunked |= header.toLowerCase(Locale.ROOT).startsWith("transfer-encoding:")
                        && header.toLowerCase(Locale.ROOT).contains("chunked");
            }
            if (status != 200) {
                ended.set("status " + status);
                return;
            }
            InputStream body = chunked ? new Dechunked(in) : in;
            String event = "message";
            boolean data = false;
            String line;
            while ((line = lineOrNull(body)) != null) {
                if (line.isEmpty()) {
                    if (data) {
                        frames.computeIfAbsent(event, k -> new LongAdder()).increment();
                        lastFrameNanos.set(System.nanoTime());
                    }
                    event = "message";
                    data = false;
                } else if (line.startsWith(":")) {
                    comments.increment();
                    lastFrameNanos.set(System.nanoTime());
                } else if (line.startsWith("event:")) {
                    event = line.substring(6).trim();
                } else if (line.startsWith("id:")) {
                    lastId.set(line.substring(3).trim());
                } else if (line.startsWith("data:")) {
                    data = true;
                }
            }
            ended.compareAndSet(null, closing ? "closed by the client" : "the server ended the stream");
        } catch (IOException | RuntimeException e) {
            ended.compareAndSet(null, closing ? "closed by the client" : "failed: " + e);
        }
    }

    private static String line(InputStream in) throws IOException {
        String line = lineOrNull(in);
        if (line == null) {
            throw new IOException("the connection ended in the response head");
        }
        return line;
    }

    /** A line without its CR LF (or LF), UTF-8; null at the end of the stream. */
    private static String lineOrNull(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, n, StandardCharsets.UTF_8);
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
    }

    /** HTTP/1.1 chunked transfer coding, undone. */
    private static final class Dechunked extends InputStream {
        private final InputStream in;
        private long left;
        private boolean done;

        Dechunked(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            if (done) {
                return -1;
            }
            if (left == 0) {
                String size = lineOrNull(in);
                while (size != null && size.isEmpty()) { // the CR LF after the previous chunk
                    size = lineOrNull(in);
                }
                if (size == null) {
                    done = true;
                    return -1;
                }
                int semicolon = size.indexOf(';');
                left = Long.parseLong((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
                if (left == 0) {
                    done = true;
                    return -1;
                }
            }
            int b = in.read();
            if (b < 0) {
                done = true;
                return -1;
            }
            left--;
            return b;
        }
    }

    int status() {
        return status;
    }

    long frames(String event) {
        LongAdder n = frames.get(event);
        return n == null ? 0 : n.sum();
    }

    long allFrames() {
        return frames.values().stream().mapToLong(LongAdder::sum).sum();
    }

    long comments() {
        return comments.sum();
    }

    Duration sinceLastFrame() {
        return Duration.ofNanos(System.nanoTime() - lastFrameNanos.get());
    }

    String lastId() {
        return lastId.get();
    }

    /** Why the stream ended, if it did (a healthy stream has not). */
    Optional<String> ended() {
        return Optional.ofNullable(ended.get());
    }

    @Override
    public void close() {
        closing = true;
        try {
            socket.close();
        } catch (IOException e) {
            // going away anyway
        }
        try {
            thread.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
