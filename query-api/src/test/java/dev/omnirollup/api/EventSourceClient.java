package dev.omnirollup.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Test support: a Server-Sent Events client on the JDK's HttpClient that reads the stream line by line on a
 * thread of its own and parses frames as the SSE specification says (one leading space of a value is dropped,
 * {@code data:} lines are joined, comments are kept as frames with event {@code :comment}).
 */
final class EventSourceClient implements AutoCloseable {
    static final String COMMENT = ":comment";
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    /** One frame; {@code event} is {@value #COMMENT} for a comment line (its text in {@code data}). */
    record Frame(String id, String event, String data) {
        JsonNode json() {
            try {
                return TestApi.JSON.readTree(data);
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON: " + data, e);
            }
        }

        boolean isComment() {
            return event.equals(COMMENT);
        }

        /** The stream position: the number after the last {@code -} of the id. */
        long position() {
            return Long.parseLong(id.substring(id.lastIndexOf('-') + 1));
        }
    }

    final int status;
    final Map<String, List<String>> headers;
    private final Optional<String> errorBody;
    private final InputStream body;
    private final LinkedBlockingQueue<Object> frames = new LinkedBlockingQueue<>();
    private final Thread reader;
    private static final Object END = new Object();

    private EventSourceClient(HttpResponse<InputStream> response) throws IOException {
        this.status = response.statusCode();
        this.headers = response.headers().map();
        this.body = response.body();
        if (status != 200) {
            errorBody = Optional.of(new String(body.readAllBytes(), StandardCharsets.UTF_8));
            body.close();
            reader = Thread.ofVirtual().unstarted(() -> { });
            return;
        }
        errorBody = Optional.empty();
        reader = Thread.ofVirtual().name("sse-test-reader").start(this::read);
    }

    /** Opens {@code GET uri} with the given headers and returns once the status line and headers arrived. */
    static EventSourceClient open(URI uri, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET().header("Accept", "text/event-stream");
        headers.forEach(request::header);
        try {
            return new EventSourceClient(HTTP.send(request.build(), HttpResponse.BodyHandlers.ofInputStream()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The body of a non-200 answer. */
    String errorBody() {
        return errorBody.orElseThrow(() -> new IllegalStateException("the stream was opened (200)"));
    }

    private void read() {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            String id = "";
            String event = "message";
            StringBuilder data = null;
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.isEmpty()) {
                    if (data != null) {
                        frames.add(new Frame(id, event, data.toString()));
                    }
                    event = "message";
                    data = null;
                } else if (line.startsWith(":")) {
                    frames.add(new Frame(id, COMMENT, value(line.substring(1))));
                } else {
                    int colon = line.indexOf(':');
                    String field = colon < 0 ? line : line.substring(0, colon);
                    String value = colon < 0 ? "" : value(line.substring(colon + 1));
                    switch (field) {
                        case "id" -> id = value;
                        case "event" -> event = value;
                        case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                        default -> { }
                    }
                }
            }
        } catch (IOException e) {
            // closed by the test or by the server
        } finally {
            frames.add(END);
        }
    }

    private static String value(String raw) {
        return raw.startsWith(" ") ? raw.substring(1) : raw;
    }

    /** The next frame (comments included), or empty when none arrives within {@code timeout} or the stream ended. */
    Optional<Frame> next(Duration timeout) {
        try {
            Object item = frames.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
            if (item == END) {
                frames.add(END);
                return Optional.empty();
            }
            return Optional.ofNullable((Frame) item);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The next frame that is not a comment; fails when none comes within {@code timeout}. */
    Frame expect(String event, Duration timeout) {
        Frame frame = nextMatching(f -> !f.isComment(), timeout)
                .orElseThrow(() -> new AssertionError("no " + event + " frame within " + timeout));
        if (!frame.event().equals(event)) {
            throw new AssertionError("expected a " + event + " frame, got " + frame);
        }
        return frame;
    }

    /** The next frame that matches, skipping others; empty when none comes within {@code timeout}. */
    Optional<Frame> nextMatching(Predicate<Frame> wanted, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return Optional.empty();
            }
            Optional<Frame> frame = next(Duration.ofNanos(left));
            if (frame.isEmpty()) {
                return Optional.empty();
            }
            if (wanted.test(frame.get())) {
                return frame;
            }
        }
    }

    /**
     * Collects the frames of {@code event} (skipping every other frame) until {@code last} returns true for one,
     * and returns them all; fails when that takes longer than {@code timeout}.
     */
    List<Frame> collect(String event, Predicate<Frame> last, Duration timeout) {
        List<Frame> out = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            Optional<Frame> frame = left <= 0 ? Optional.empty() : nextMatching(f -> f.event().equals(event),
                    Duration.ofNanos(left));
            if (frame.isEmpty()) {
                throw new AssertionError("after " + out.size() + " " + event + " frames, the last one expected did"
                        + " not come within " + timeout);
            }
            out.add(frame.get());
            if (last.test(frame.get())) {
                return out;
            }
        }
    }

    /** Every frame received so far, without waiting. */
    List<Frame> drain() {
        List<Object> items = new ArrayList<>();
        frames.drainTo(items);
        List<Frame> out = new ArrayList<>();
        for (Object item : items) {
            if (item == END) {
                frames.add(END);
            } else {
                out.add((Frame) item);
            }
        }
        return out;
    }

    /** Closes the connection. */
    @Override
    public void close() {
        try {
            body.close();
        } catch (IOException e) {
            // already closed
        }
        reader.interrupt();
    }
}
