package dev.omnirollup.api;

import dev.omnirollup.store.Decoded;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * One frame of the live stream: its SSE event name, its JSON data (rendered once, shared by every client it goes
 * to), and for event frames the Omni event type and instance the filters look at. {@code seq} is the stream
 * position: event frames get the next one when they are fanned out; every other frame carries the position of the
 * last event frame before it (so a client that resumes from any frame's id misses nothing). Immutable.
 */
record SseFrame(String event, String data, Optional<String> eventType, Optional<String> instanceId, long seq) {
    static final String READY = "ready";
    static final String EVENT_RECEIVED = "event.received";
    static final String INSTANCE_STATUS = "instance.status";
    static final String METRICS = "metrics";
    static final String DROPPED = "dropped";

    private static final DateTimeFormatter ISO_MILLIS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    SseFrame {
        if (event.isEmpty() || event.contains("\n") || data.contains("\n")) {
            throw new IllegalArgumentException("a frame needs a one-line event name and one-line data: " + event);
        }
        if (seq < 0) {
            throw new IllegalArgumentException("seq must be >= 0, got " + seq);
        }
    }

    /** The same frame at stream position {@code position}. */
    SseFrame at(long position) {
        return new SseFrame(event, data, eventType, instanceId, position);
    }

    /** A frame that every client gets whatever its filters (metrics, notices). */
    static SseFrame control(String event, Object body, long seq) {
        return new SseFrame(event, Json.write(body), Optional.empty(), Optional.empty(), seq);
    }

    /**
     * The frame for a decoded NATS message: {@code event.received} for the five message events, {@code
     * instance.status} for {@code instance.connected|disconnected}; nothing for anything else (ignored events —
     * bare subjects and replays, which upstream's persistence never sees — poison, automation events).
     */
    static Optional<SseFrame> of(Decoded decoded) {
        return switch (decoded) {
            case Decoded.MessageEvent m -> Optional.of(eventReceived(m));
            case Decoded.InstanceStatus s -> Optional.of(instanceStatus(s));
            default -> Optional.empty();
        };
    }

    private static SseFrame eventReceived(Decoded.MessageEvent m) {
        Optional<String> instanceId = m.instanceId().map(UUID::toString);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("id", m.eventId());
        data.put("eventType", m.kind().eventType());
        data.put("instanceId", instanceId);
        data.put("channel", m.channel());
        data.put("direction", m.kind() == Decoded.MessageKind.RECEIVED ? "inbound" : "outbound");
        data.put("receivedAt", ISO_MILLIS.format(Instant.ofEpochMilli(m.epochMs())));
        data.put("contentType", m.contentType());
        data.put("errorStage", m.errorStage());
        return new SseFrame(EVENT_RECEIVED, Json.write(data), Optional.of(m.kind().eventType()), instanceId, 0);
    }

    private static SseFrame instanceStatus(Decoded.InstanceStatus s) {
        String instanceId = s.instanceId().toLowerCase(Locale.ROOT);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("instanceId", instanceId);
        data.put("isConnected", s.connected());
        data.put("changedAt", ISO_MILLIS.format(Instant.ofEpochMilli(s.epochMs())));
        String type = s.connected() ? "instance.connected" : "instance.disconnected";
        return new SseFrame(INSTANCE_STATUS, Json.write(data), Optional.of(type), Optional.of(instanceId), 0);
    }
}
