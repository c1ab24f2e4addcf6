package dev.omnirollup.sim;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.api.PublishAck;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Publishes Omni events (and raw poison bodies) to JetStream as upstream does: the envelope JSON as the body, no
 * headers, on {@code prefix + subject}. Asynchronous with a bounded window of outstanding acks; every publish call
 * returns only after all its acks arrived, and returns the stream sequence numbers in publish order.
 * Not thread-safe (one publisher per thread); the NATS connection is shared and not closed by this class.
 */
public final class Publisher {

    /** Default number of unacknowledged publishes in flight. */
    public static final int DEFAULT_WINDOW = 5_000;
    private static final Duration ACK_TIMEOUT = Duration.ofSeconds(30);

    private final Connection connection;
    private final JetStream jetStream;
    private final String prefix;
    private final int window;

    /** A publisher with subject prefix {@code prefix} (empty in production) and {@value #DEFAULT_WINDOW} in flight. */
    public Publisher(Connection connection, String prefix) {
        this(connection, prefix, DEFAULT_WINDOW);
    }

    public Publisher(Connection connection, String prefix, int window) {
        this.connection = Objects.requireNonNull(connection, "connection");
        this.prefix = Objects.requireNonNull(prefix, "prefix");
        if (window < 1) {
            throw new IllegalArgumentException("window must be >= 1, got " + window);
        }
        this.window = window;
        try {
            this.jetStream = connection.jetStream();
        } catch (IOException e) {
            throw new OmniSimException("creating a JetStream context failed: " + e.getMessage(), e);
        }
    }

    /** A publisher on a scratch server's connection and prefix. */
    public static Publisher on(ScratchNats nats) {
        return new Publisher(nats.connection(), nats.prefix());
    }

    /** The subject prefix. */
    public String prefix() {
        return prefix;
    }

    /** Publishes {@code events} in order; returns the highest stream sequence acknowledged (0 when empty). */
    public long publishAll(List<OmniEvent> events) {
        long[] sequences = publish(events);
        long last = 0;
        for (long sequence : sequences) {
            last = Math.max(last, sequence);
        }
        return last;
    }

    /** Publishes {@code events} in order; returns each event's stream sequence, in the same order. */
    public long[] publish(List<OmniEvent> events) {
        return send(events.size(), i -> new Body(events.get(i).subject(), events.get(i).toJson()));
    }

    /**
     * Bulk setup only: publishes {@code events} in order as plain NATS messages (no JetStream ack per message), then
     * flushes the connection so the server has processed them all; returns how many were sent. Streams store such
     * messages like any other, several times faster than acknowledged publishing; unlike {@link #publish(List)} a
     * missing stream is not reported.
     */
    public long publishFast(List<OmniEvent> events) {
        long maxPayload = maxPayload();
        for (OmniEvent event : events) {
            byte[] body = event.toJson();
            if (body.length > maxPayload) {
                throw new IllegalArgumentException("body of " + body.length + " bytes on " + event.subject()
                        + " exceeds the server's max_payload of " + maxPayload + " bytes");
            }
            connection.publish(prefix + event.subject(), body);
        }
        try {
            connection.flush(ACK_TIMEOUT);
        } catch (TimeoutException e) {
            throw new OmniSimException("NATS flush not confirmed within " + ACK_TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OmniSimException("interrupted while flushing", e);
        }
        return events.size();
    }

    /** Publishes one event and waits for its ack; returns its stream sequence. */
    public long publish(OmniEvent event) {
        return publish(List.of(event))[0];
    }

    /** Publishes raw bodies (poison) in order; returns their stream sequences. */
    public long[] publishRaw(List<PoisonGenerator.Poison> poison) {
        return send(poison.size(), i -> new Body(poison.get(i).subject(), poison.get(i).body()));
    }

    /** Publishes one raw body on {@code prefix + subject}; returns its stream sequence. */
    public long publishRaw(String subject, byte[] body) {
        return send(1, i -> new Body(subject, body))[0];
    }

    /** The largest body the server accepts (its {@code max_payload}). */
    public long maxPayload() {
        return connection.getServerInfo().getMaxPayload();
    }

    private record Body(String subject, byte[] bytes) {
    }

    private long[] send(int count, java.util.function.IntFunction<Body> source) {
        long[] sequences = new long[count];
        ArrayDeque<CompletableFuture<PublishAck>> inFlight = new ArrayDeque<>(Math.min(count, window));
        int acked = 0;
        long maxPayload = maxPayload();
        for (int i = 0; i < count; i++) {
            Body body = source.apply(i);
            if (body.bytes().length > maxPayload) {
                throw new IllegalArgumentException("body of " + body.bytes().length + " bytes on " + body.subject()
                        + " exceeds the server's max_payload of " + maxPayload + " bytes");
            }
            if (inFlight.size() >= window) {
                sequences[acked] = await(inFlight.removeFirst(), acked);
                acked++;
            }
            inFlight.addLast(jetStream.publishAsync(prefix + body.subject(), body.bytes()));
        }
        while (!inFlight.isEmpty()) {
            sequences[acked] = await(inFlight.removeFirst(), acked);
            acked++;
        }
        return sequences;
    }

    private static long await(CompletableFuture<PublishAck> future, int index) {
        try {
            return future.get(ACK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).getSeqno();
        } catch (ExecutionException e) {
            throw new OmniSimException("publish #" + index + " was not acknowledged: " + e.getCause().getMessage(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new OmniSimException("publish #" + index + " not acknowledged within " + ACK_TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OmniSimException("interrupted while waiting for publish acks", e);
        }
    }
}
