package dev.omnirollup.sim;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;

/**
 * One Omni event as published on NATS: the subject (without any test prefix) and Omni's envelope
 * {@code {id, type, payload, timestamp, metadata}} (docs/input-rules.md describes how Omni reads it).
 *
 * <p>The JSON nodes are copied on the way in and out, so an event is immutable. The static builders produce exactly
 * what upstream's publishers produce, subject included ({@code <type>.<channelType>.<instanceId>} when the metadata
 * carries both, the bare type otherwise); {@link #withSubject}, {@link #withPayloadField} and
 * {@link #withEnvelopeField} derive deliberate deviations (foreign publishers, replays, odd but storable shapes).
 *
 * @param subject   NATS subject without prefix, e.g. {@code message.received.discord.<uuid>}
 * @param id        envelope id (a UUID string), or the text of an {@code id} override
 * @param type      event type, e.g. {@code message.received}
 * @param payload   event-specific payload
 * @param timestamp publish time, epoch milliseconds (with a {@code timestamp} override: the same instant, truncated)
 * @param metadata  {@code {correlationId, instanceId?, channelType?, personId?, platformIdentityId?, traceId, source}}
 * @param overrides envelope fields published instead of {@code id} and {@code timestamp}: another JSON type (a
 *                  numeric id, a fractional or ISO-8601 timestamp); usually empty
 */
public record OmniEvent(String subject, String id, String type, ObjectNode payload, long timestamp, ObjectNode metadata,
        ObjectNode overrides) {

    /** The envelope fields {@link #withEnvelopeField} may replace. */
    static final Set<String> OVERRIDABLE = Set.of("id", "timestamp");

    /** The five channel types. */
    public static final List<String> CHANNEL_TYPES =
            List.of("whatsapp-baileys", "whatsapp-cloud", "discord", "slack", "telegram");
    /** Content types stored in {@code omni_events.content_type}; every other content type is stored as NULL. */
    public static final List<String> STORABLE_CONTENT_TYPES =
            List.of("text", "audio", "image", "video", "document", "sticker", "contact", "location", "reaction");
    /** Content types core knows but the database stores as NULL. */
    public static final List<String> NON_STORABLE_CONTENT_TYPES =
            List.of("poll", "poll_update", "event", "live_location", "product", "pix", "edit", "delete", "unknown");
    /** The five message event types persisted by upstream. */
    public static final List<String> MESSAGE_TYPES =
            List.of("message.received", "message.sent", "message.delivered", "message.read", "message.failed");
    /** Automation log statuses. */
    public static final List<String> AUTOMATION_STATUSES = List.of("success", "failed", "skipped");

    static final ObjectMapper MAPPER = new ObjectMapper();
    static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private static final Set<String> CHANNELS = Set.copyOf(CHANNEL_TYPES);

    public OmniEvent {
        requireText(subject, "subject");
        requireText(id, "id");
        requireText(type, "type");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(metadata, "metadata");
        Objects.requireNonNull(overrides, "overrides");
        if (timestamp < 0) {
            throw new IllegalArgumentException("timestamp must be epoch milliseconds >= 0, got " + timestamp);
        }
        overrides.fieldNames().forEachRemaining(field -> {
            if (!OVERRIDABLE.contains(field)) {
                throw new IllegalArgumentException("only " + OVERRIDABLE + " can be overridden, got " + field);
            }
        });
        payload = payload.deepCopy();
        metadata = metadata.deepCopy();
        overrides = overrides.deepCopy();
    }

    /** An event published exactly as built (no overrides). */
    public OmniEvent(String subject, String id, String type, ObjectNode payload, long timestamp, ObjectNode metadata) {
        this(subject, id, type, payload, timestamp, metadata, JSON.objectNode());
    }

    /** A copy of the payload. */
    @Override
    public ObjectNode payload() {
        return payload.deepCopy();
    }

    /** A copy of the metadata. */
    @Override
    public ObjectNode metadata() {
        return metadata.deepCopy();
    }

    /** A copy of the envelope overrides. */
    @Override
    public ObjectNode overrides() {
        return overrides.deepCopy();
    }

    /**
     * Equal when published identically: same subject and byte-identical envelope JSON (so a number parsed back as an
     * int equals the long it was built from).
     */
    @Override
    public boolean equals(Object other) {
        return other instanceof OmniEvent e && subject.equals(e.subject) && timestamp == e.timestamp
                && id.equals(e.id) && Arrays.equals(toJson(), e.toJson());
    }

    @Override
    public int hashCode() {
        return Objects.hash(subject, id, timestamp);
    }

    /** The payload without copying; callers inside the package must not modify it. */
    ObjectNode payloadView() {
        return payload;
    }

    /** The metadata without copying; callers inside the package must not modify it. */
    ObjectNode metadataView() {
        return metadata;
    }

    /** The envelope as UTF-8 JSON with upstream's key order; absent optional fields are omitted. */
    public byte[] toJson() {
        try {
            return MAPPER.writeValueAsBytes(envelopeView());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("serializing event " + id + " failed", e);
        }
    }

    /** The envelope {@link #toJson} writes, as a tree sharing this event's nodes; callers must not modify it. */
    ObjectNode envelopeView() {
        ObjectNode root = JSON.objectNode();
        root.set("id", overrides.has("id") ? overrides.get("id") : JSON.textNode(id));
        root.put("type", type);
        root.set("payload", payload);
        root.set("timestamp", overrides.has("timestamp") ? overrides.get("timestamp") : JSON.numberNode(timestamp));
        root.set("metadata", metadata);
        return root;
    }

    /** This event published on another subject (e.g. by a foreign publisher). */
    public OmniEvent withSubject(String newSubject) {
        return new OmniEvent(newSubject, id, type, payload, timestamp, metadata, overrides);
    }

    /** This event with one payload field set (appended if new). */
    public OmniEvent withPayloadField(String field, JsonNode value) {
        ObjectNode copy = payload.deepCopy();
        copy.set(field, value);
        return new OmniEvent(subject, id, type, copy, timestamp, metadata, overrides);
    }

    /** This event with other metadata (the subject is kept). */
    public OmniEvent withMetadata(ObjectNode newMetadata) {
        return new OmniEvent(subject, id, type, payload, timestamp, newMetadata, overrides);
    }

    /** This event with another envelope timestamp (a timestamp override is dropped). */
    public OmniEvent withTimestamp(long newTimestamp) {
        ObjectNode kept = overrides.deepCopy();
        kept.remove("timestamp");
        return new OmniEvent(subject, id, type, payload, newTimestamp, metadata, kept);
    }

    /**
     * This event with the envelope's {@code id} or {@code timestamp} published as another JSON value, e.g. a numeric
     * id or a fractional or ISO-8601 timestamp. {@link #id()} becomes the JSON text of an id override;
     * {@link #timestamp()} keeps its value: the caller makes a timestamp override mean the same instant.
     */
    public OmniEvent withEnvelopeField(String field, JsonNode value) {
        ObjectNode copy = overrides.deepCopy();
        copy.set(field, Objects.requireNonNull(value, "value"));
        String newId = !field.equals("id") ? id : value.isTextual() ? value.asText() : value.toString();
        return new OmniEvent(subject, newId, type, payload, timestamp, metadata, copy);
    }

    /** Metadata value {@code field} if present and textual. */
    public Optional<String> metadataText(String field) {
        return text(metadata, field);
    }

    /** Payload value {@code field} if present and textual. */
    public Optional<String> payloadText(String field) {
        return text(payload, field);
    }

    /**
     * Parses an envelope received on {@code subject} (prefix already stripped). Strict: rejects anything that is not
     * an object with a textual type and an object payload, and a textual id or integral timestamp unless it is one
     * of the overrides {@link #withEnvelopeField} makes (a number or other JSON id; a fractional or ISO-8601
     * timestamp), which are kept as overrides so that the event publishes the same bytes again.
     */
    public static OmniEvent parse(String subject, byte[] json) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("body is not JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("body is not a JSON object");
        }
        JsonNode id = root.get("id");
        JsonNode type = root.get("type");
        JsonNode payload = root.get("payload");
        JsonNode timestamp = root.get("timestamp");
        JsonNode metadata = root.get("metadata");
        ObjectNode overrides = JSON.objectNode();
        if (id == null || id.isNull() || id.isTextual() && id.asText().isBlank()) {
            throw new IllegalArgumentException("id missing or empty");
        }
        if (!id.isTextual()) {
            overrides.set("id", id);
        }
        if (type == null || !type.isTextual()) {
            throw new IllegalArgumentException("type missing or not a string");
        }
        if (payload == null || !payload.isObject()) {
            throw new IllegalArgumentException("payload missing or not an object");
        }
        long epochMs;
        if (timestamp != null && timestamp.isIntegralNumber() && timestamp.canConvertToLong()) {
            epochMs = timestamp.asLong();
        } else if (timestamp != null && timestamp.isFloatingPointNumber() && Double.isFinite(timestamp.doubleValue())) {
            epochMs = (long) timestamp.doubleValue();
            overrides.set("timestamp", timestamp);
        } else if (timestamp != null && timestamp.isTextual()) {
            try {
                epochMs = Instant.parse(timestamp.asText()).toEpochMilli();
            } catch (java.time.format.DateTimeParseException e) {
                throw new IllegalArgumentException("timestamp is not an ISO-8601 instant: " + timestamp.asText(), e);
            }
            overrides.set("timestamp", timestamp);
        } else {
            throw new IllegalArgumentException("timestamp missing or not a number or ISO-8601 instant");
        }
        ObjectNode meta = metadata != null && metadata.isObject() ? (ObjectNode) metadata : JSON.objectNode();
        String idText = id.isTextual() ? id.asText() : id.toString();
        return new OmniEvent(subject, idText, type.asText(), (ObjectNode) payload, epochMs, meta, overrides);
    }

    // ---------------------------------------------------------------- subjects and metadata

    /** Upstream's subject rule: {@code <type>.<channelType>.<instanceId>} when metadata has both, else {@code type}. */
    public static String subjectFor(String type, ObjectNode metadata) {
        Optional<String> channel = text(metadata, "channelType");
        Optional<String> instance = text(metadata, "instanceId");
        if (channel.isPresent() && instance.isPresent()) {
            return type + "." + channel.get() + "." + instance.get();
        }
        return type;
    }

    /** Whether {@code channelType} is one of the five channel types. */
    public static boolean isChannelType(String channelType) {
        return CHANNELS.contains(channelType);
    }

    /**
     * Envelope metadata in upstream's key order. {@code instanceId} and {@code channelType} are strings so foreign
     * values (unknown channels) can be expressed.
     */
    public record Meta(String correlationId, Optional<String> instanceId, Optional<String> channelType, String traceId,
            String source) {

        public Meta {
            requireText(correlationId, "correlationId");
            Objects.requireNonNull(instanceId, "instanceId");
            Objects.requireNonNull(channelType, "channelType");
            requireText(traceId, "traceId");
            requireText(source, "source");
        }

        /** A channel plugin's metadata: instance and channel present, source {@code channel:<channelType>}. */
        public static Meta plugin(String correlationId, UUID instanceId, String channelType, String traceId) {
            return new Meta(correlationId, Optional.of(instanceId.toString()), Optional.of(channelType), traceId,
                    "channel:" + channelType);
        }

        /** Metadata of a process-level publisher (no instance, no channel), e.g. source {@code omni-api}. */
        public static Meta process(String correlationId, String traceId, String source) {
            return new Meta(correlationId, Optional.empty(), Optional.empty(), traceId, source);
        }

        public ObjectNode toJson() {
            ObjectNode node = JSON.objectNode();
            node.put("correlationId", correlationId);
            instanceId.ifPresent(v -> node.put("instanceId", v));
            channelType.ifPresent(v -> node.put("channelType", v));
            node.put("traceId", traceId);
            node.put("source", source);
            return node;
        }
    }

    /** One entry of {@code actionsExecuted}: {@code {action, status, result?, error?, durationMs}}. */
    public record ActionResult(String action, String status, Optional<String> result, Optional<String> error,
            long durationMs) {

        public ActionResult {
            requireText(action, "action");
            if (!"success".equals(status) && !"failed".equals(status)) {
                throw new IllegalArgumentException("action status must be success|failed, got " + status);
            }
            Objects.requireNonNull(result, "result");
            Objects.requireNonNull(error, "error");
            if (durationMs < 0) {
                throw new IllegalArgumentException("durationMs must be >= 0, got " + durationMs);
            }
        }

        public ObjectNode toJson() {
            ObjectNode node = JSON.objectNode();
            node.put("action", action);
            node.put("status", status);
            result.ifPresent(v -> node.put("result", v));
            error.ifPresent(v -> node.put("error", v));
            node.put("durationMs", durationMs);
            return node;
        }
    }

    // ---------------------------------------------------------------- builders

    /** {@code content{type, text?, mediaUrl?, mimeType?}}. */
    public static ObjectNode content(String type, Optional<String> text, Optional<String> mediaUrl,
            Optional<String> mimeType) {
        requireText(type, "content.type");
        ObjectNode node = JSON.objectNode();
        node.put("type", type);
        text.ifPresent(v -> node.put("text", v));
        mediaUrl.ifPresent(v -> node.put("mediaUrl", v));
        mimeType.ifPresent(v -> node.put("mimeType", v));
        return node;
    }

    /** {@code message.received}: {@code {externalId, chatId, from, content}}. */
    public static OmniEvent messageReceived(String id, long timestamp, Meta meta, String externalId, String chatId,
            String from, ObjectNode content) {
        ObjectNode payload = JSON.objectNode();
        payload.put("externalId", externalId);
        payload.put("chatId", chatId);
        payload.put("from", from);
        payload.set("content", content);
        return message("message.received", id, timestamp, meta, payload);
    }

    /** {@code message.sent}: {@code {externalId, chatId, to, content}}. */
    public static OmniEvent messageSent(String id, long timestamp, Meta meta, String externalId, String chatId,
            String to, ObjectNode content) {
        ObjectNode payload = JSON.objectNode();
        payload.put("externalId", externalId);
        payload.put("chatId", chatId);
        payload.put("to", to);
        payload.set("content", content);
        return message("message.sent", id, timestamp, meta, payload);
    }

    /** {@code message.delivered}: {@code {externalId, chatId, deliveredAt}}. */
    public static OmniEvent messageDelivered(String id, long timestamp, Meta meta, String externalId, String chatId,
            long deliveredAt) {
        ObjectNode payload = JSON.objectNode();
        payload.put("externalId", externalId);
        payload.put("chatId", chatId);
        payload.put("deliveredAt", deliveredAt);
        return message("message.delivered", id, timestamp, meta, payload);
    }

    /** {@code message.read}: {@code {externalId, chatId, readAt}}. */
    public static OmniEvent messageRead(String id, long timestamp, Meta meta, String externalId, String chatId,
            long readAt) {
        ObjectNode payload = JSON.objectNode();
        payload.put("externalId", externalId);
        payload.put("chatId", chatId);
        payload.put("readAt", readAt);
        return message("message.read", id, timestamp, meta, payload);
    }

    /** {@code message.failed}: {@code {externalId?, chatId, error, errorCode?, retryable}}. */
    public static OmniEvent messageFailed(String id, long timestamp, Meta meta, Optional<String> externalId,
            String chatId, String error, Optional<String> errorCode, boolean retryable) {
        ObjectNode payload = JSON.objectNode();
        externalId.ifPresent(v -> payload.put("externalId", v));
        payload.put("chatId", chatId);
        payload.put("error", error);
        errorCode.ifPresent(v -> payload.put("errorCode", v));
        payload.put("retryable", retryable);
        return message("message.failed", id, timestamp, meta, payload);
    }

    /**
     * {@code automation.executed.<instanceId|global>}: {@code {automationId, eventId, status, actionsExecuted,
     * executionTimeMs?, conditionsMatched}}.
     */
    public static OmniEvent automationExecuted(String id, long timestamp, Meta meta, Optional<UUID> instanceId,
            UUID automationId, String eventId, String status, List<ActionResult> actions,
            OptionalLong executionTimeMs, boolean conditionsMatched) {
        if (!AUTOMATION_STATUSES.contains(status)) {
            throw new IllegalArgumentException("automation status must be success|failed|skipped, got " + status);
        }
        requireText(eventId, "eventId");
        ObjectNode payload = JSON.objectNode();
        payload.put("automationId", automationId.toString());
        payload.put("eventId", eventId);
        payload.put("status", status);
        ArrayNode array = payload.putArray("actionsExecuted");
        actions.forEach(a -> array.add(a.toJson()));
        executionTimeMs.ifPresent(v -> payload.put("executionTimeMs", v));
        payload.put("conditionsMatched", conditionsMatched);
        String target = instanceId.map(UUID::toString).orElse("global");
        return new OmniEvent("automation.executed." + target, id, "automation.executed", payload, timestamp,
                meta.toJson());
    }

    /** {@code automation.queue.<instanceId|global>}: {@code {instanceId, activeCount, pendingCount}}. */
    public static OmniEvent automationQueue(String id, long timestamp, Meta meta, String queueInstanceId,
            int activeCount, int pendingCount) {
        requireText(queueInstanceId, "instanceId");
        if (activeCount < 0 || pendingCount < 0) {
            throw new IllegalArgumentException("queue counts must be >= 0, got active=" + activeCount
                    + " pending=" + pendingCount);
        }
        ObjectNode payload = JSON.objectNode();
        payload.put("instanceId", queueInstanceId);
        payload.put("activeCount", activeCount);
        payload.put("pendingCount", pendingCount);
        return new OmniEvent("automation.queue." + queueInstanceId, id, "automation.queue", payload, timestamp,
                meta.toJson());
    }

    /** {@code instance.connected}: {@code {instanceId, channelType, profileName?, profilePicUrl?, ownerIdentifier?}}. */
    public static OmniEvent instanceConnected(String id, long timestamp, Meta meta, UUID instanceId,
            String channelType, Optional<String> profileName, Optional<String> profilePicUrl,
            Optional<String> ownerIdentifier) {
        ObjectNode payload = JSON.objectNode();
        payload.put("instanceId", instanceId.toString());
        payload.put("channelType", channelType);
        profileName.ifPresent(v -> payload.put("profileName", v));
        profilePicUrl.ifPresent(v -> payload.put("profilePicUrl", v));
        ownerIdentifier.ifPresent(v -> payload.put("ownerIdentifier", v));
        return message("instance.connected", id, timestamp, meta, payload);
    }

    /** {@code instance.disconnected}: {@code {instanceId, channelType, reason?, willReconnect}}. */
    public static OmniEvent instanceDisconnected(String id, long timestamp, Meta meta, UUID instanceId,
            String channelType, Optional<String> reason, boolean willReconnect) {
        ObjectNode payload = JSON.objectNode();
        payload.put("instanceId", instanceId.toString());
        payload.put("channelType", channelType);
        reason.ifPresent(v -> payload.put("reason", v));
        payload.put("willReconnect", willReconnect);
        return message("instance.disconnected", id, timestamp, meta, payload);
    }

    private static OmniEvent message(String type, String id, long timestamp, Meta meta, ObjectNode payload) {
        ObjectNode metadata = meta.toJson();
        return new OmniEvent(subjectFor(type, metadata), id, type, payload, timestamp, metadata);
    }

    static Optional<String> text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isTextual() ? Optional.of(value.asText()) : Optional.empty();
    }

    static void requireText(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " must be a non-blank string, got '" + value + "'");
        }
    }

    static byte[] write(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
