package dev.omnirollup.store;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.omnirollup.store.Decoded.AutomationExecution;
import dev.omnirollup.store.Decoded.Ignored;
import dev.omnirollup.store.Decoded.InstanceStatus;
import dev.omnirollup.store.Decoded.MessageEvent;
import dev.omnirollup.store.Decoded.MessageKind;
import dev.omnirollup.store.Decoded.QueueSnapshot;
import dev.omnirollup.store.Decoded.Rejected;
import java.io.IOException;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Decodes Omni's NATS envelopes (contract §6.4) into {@link Decoded} values, applying upstream's persistence rules
 * (contract §5.1) and rejecting anything malformed with a reason that names the field. Pure and thread-safe.
 */
public final class EventDecoder {
    /** Timestamps before this are poison (no Omni existed; usually a seconds-for-milliseconds mistake). */
    static final long EARLIEST_MS = Instant.parse("2000-01-01T00:00:00Z").toEpochMilli();
    private static final Pattern UUID_TEXT =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final int MAX_NESTING = 200;
    private static final int MAX_REASON = 300;

    private final ObjectMapper json;
    private final int maxBodyBytes;
    private final long maxFutureSkewMs;

    /**
     * @param maxBodyBytes    bodies larger than this are rejected unread
     * @param maxFutureSkewMs envelope timestamps further than this ahead of the clock are rejected
     */
    public EventDecoder(int maxBodyBytes, long maxFutureSkewMs) {
        if (maxBodyBytes < 1) {
            throw new IllegalArgumentException("maxBodyBytes must be positive, got " + maxBodyBytes);
        }
        if (maxFutureSkewMs < 0) {
            throw new IllegalArgumentException("maxFutureSkewMs must be >= 0, got " + maxFutureSkewMs);
        }
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_NESTING)
                        .maxStringLength(maxBodyBytes)
                        .build())
                .build();
        this.json = new ObjectMapper(factory);
        this.maxBodyBytes = maxBodyBytes;
        this.maxFutureSkewMs = maxFutureSkewMs;
    }

    /** Decodes one message; {@code nowMs} bounds how far in the future a timestamp may lie. */
    public Decoded decode(InboundMessage message, long nowMs) {
        long seq = message.streamSeq();
        try {
            return decodeOrThrow(message, nowMs);
        } catch (Poison poison) {
            return new Rejected(seq, poison.getMessage());
        }
    }

    private Decoded decodeOrThrow(InboundMessage message, long nowMs) {
        long seq = message.streamSeq();
        String[] tokens = message.subject().split("\\.", 4);
        String domain = tokens[0];
        if (!domain.equals("message") && !domain.equals("automation") && !domain.equals("instance")) {
            throw new Poison("subject " + quote(message.subject()) + " is not a message, automation or instance subject");
        }
        if (tokens.length < 3) {
            return new Ignored(seq, "bare subject " + quote(message.subject()) + " (upstream persistence never sees it)");
        }
        String type = domain + "." + tokens[1];
        if (message.body().length > maxBodyBytes) {
            throw new Poison("body of " + message.body().length + " bytes exceeds the limit of " + maxBodyBytes);
        }
        JsonNode root = parse(message.body());
        if (!root.isObject()) {
            throw new Poison("envelope is a JSON " + root.getNodeType().name().toLowerCase(Locale.ROOT) + ", not an object");
        }
        requiredText(root, "id", "id");
        String envelopeType = requiredText(root, "type", "type");
        if (!envelopeType.equals(type)) {
            throw new Poison("type " + quote(envelopeType) + " does not match subject " + quote(message.subject()));
        }
        long epochMs = timestamp(root, nowMs);
        JsonNode payload = root.get("payload");
        if (payload == null || !payload.isObject()) {
            throw new Poison("payload is missing or not an object");
        }
        JsonNode metadata = root.get("metadata");
        if (metadata != null && !metadata.isObject() && !metadata.isNull()) {
            throw new Poison("metadata is not an object");
        }
        return switch (domain) {
            case "message" -> message(seq, tokens[1], root, payload, metadata, epochMs);
            case "automation" -> automation(seq, tokens, payload, epochMs);
            default -> instance(seq, tokens[1], payload, epochMs);
        };
    }

    private Decoded message(long seq, String action, JsonNode root, JsonNode payload, JsonNode metadata, long epochMs) {
        MessageKind kind = MessageKind.ofAction(action)
                .orElseThrow(() -> new Poison("unknown event type " + quote("message." + action)));
        if (isReplay(payload, metadata)) {
            return new Ignored(seq, "replayed event (upstream persistence skips replays)");
        }
        Optional<String> channelType = optionalText(metadata, "channelType", "metadata.channelType");
        Optional<String> instanceText = optionalText(metadata, "instanceId", "metadata.instanceId");
        Optional<UUID> instanceId = instanceText.map(text -> uuid(text, "metadata.instanceId"));
        Optional<String> externalId = kind == MessageKind.FAILED
                ? optionalText(payload, "externalId", "payload.externalId")
                : Optional.of(requiredText(payload, "externalId", "payload.externalId"));
        externalId.ifPresent(id -> limit(id, 255, "payload.externalId"));
        Optional<String> contentType = Optional.empty();
        if (kind == MessageKind.RECEIVED || kind == MessageKind.SENT) {
            JsonNode content = payload.get("content");
            if (content != null && !content.isNull()) {
                if (!content.isObject()) {
                    throw new Poison("payload.content is not an object");
                }
                contentType = optionalText(content, "type", "payload.content.type")
                        .map(OmniVocabulary::storableContentType);
            }
        }
        Optional<String> errorStage = Optional.empty();
        if (kind == MessageKind.FAILED) {
            errorStage = optionalText(payload, "errorCode", "payload.errorCode");
            errorStage.ifPresent(code -> limit(code, 50, "payload.errorCode"));
        }
        return new MessageEvent(seq, kind, root.get("id").asText(), epochMs, instanceId,
                OmniVocabulary.channelOf(channelType.orElse(null)), contentType, errorStage, externalId);
    }

    private Decoded automation(long seq, String[] tokens, JsonNode payload, long epochMs) {
        return switch (tokens[1]) {
            case "executed" -> {
                uuid(requiredText(payload, "automationId", "payload.automationId"), "payload.automationId");
                limit(requiredText(payload, "eventId", "payload.eventId"), 36, "payload.eventId");
                String status = requiredText(payload, "status", "payload.status");
                if (!status.equals("success") && !status.equals("failed") && !status.equals("skipped")) {
                    throw new Poison("payload.status " + quote(status) + " is not success, failed or skipped");
                }
                JsonNode actions = payload.get("actionsExecuted");
                long actionCount = 0;
                if (actions != null && !actions.isNull()) {
                    if (!actions.isArray()) {
                        throw new Poison("payload.actionsExecuted is not an array");
                    }
                    actionCount = actions.size();
                }
                Optional<Long> executionTimeMs = optionalCount(payload, "executionTimeMs", Integer.MAX_VALUE);
                yield new AutomationExecution(seq, epochMs, status, actionCount, executionTimeMs);
            }
            case "queue" -> {
                String instanceKey = requiredText(payload, "instanceId", "payload.instanceId");
                limit(instanceKey, 100, "payload.instanceId");
                int active = optionalCount(payload, "activeCount", 1_000_000_000)
                        .orElseThrow(() -> new Poison("payload.activeCount is missing")).intValue();
                int pending = optionalCount(payload, "pendingCount", 1_000_000_000)
                        .orElseThrow(() -> new Poison("payload.pendingCount is missing")).intValue();
                yield new QueueSnapshot(seq, epochMs, instanceKey, active, pending);
            }
            default -> throw new Poison("unknown event type " + quote("automation." + tokens[1]));
        };
    }

    private static Decoded instance(long seq, String action, JsonNode payload, long epochMs) {
        boolean connected = switch (action) {
            case "connected" -> true;
            case "disconnected" -> false;
            default -> throw new Poison("unexpected instance event " + quote("instance." + action));
        };
        String instanceId = requiredText(payload, "instanceId", "payload.instanceId");
        return new InstanceStatus(seq, epochMs, instanceId, connected);
    }

    private JsonNode parse(byte[] body) {
        try {
            JsonNode root = json.readTree(body);
            if (root == null || root.isMissingNode()) {
                throw new Poison("empty body");
            }
            return root;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new Poison("invalid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new Poison("unreadable body: " + e.getMessage());
        }
    }

    private long timestamp(JsonNode root, long nowMs) {
        JsonNode node = root.get("timestamp");
        if (node == null || node.isNull()) {
            throw new Poison("timestamp is missing");
        }
        if (!node.isIntegralNumber() && !(node.isNumber() && node.asDouble() == Math.rint(node.asDouble()))) {
            throw new Poison("timestamp is not an integer number of milliseconds");
        }
        if (!node.canConvertToLong()) {
            throw new Poison("timestamp " + node.asText() + " is out of range");
        }
        long ms = node.asLong();
        if (ms < EARLIEST_MS || ms > nowMs + maxFutureSkewMs) {
            throw new Poison("timestamp " + ms + " is out of range (" + EARLIEST_MS + " .. now + "
                    + maxFutureSkewMs + " ms)");
        }
        return ms;
    }

    private static boolean isReplay(JsonNode payload, JsonNode metadata) {
        JsonNode replay = payload.get("_replay");
        if (replay != null && replay.isBoolean() && replay.booleanValue()) {
            return true;
        }
        JsonNode source = metadata == null ? null : metadata.get("source");
        return source != null && source.isTextual() && source.textValue().equals("replay");
    }

    private static String requiredText(JsonNode node, String field, String path) {
        return optionalText(node, field, path).orElseThrow(() -> new Poison(path + " is missing"));
    }

    private static Optional<String> optionalText(JsonNode node, String field, String path) {
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isTextual()) {
            throw new Poison(path + " is a " + value.getNodeType().name().toLowerCase(Locale.ROOT) + ", not a string");
        }
        if (value.textValue().isEmpty()) {
            throw new Poison(path + " is empty");
        }
        return Optional.of(value.textValue());
    }

    private static Optional<Long> optionalCount(JsonNode node, String field, long max) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw new Poison("payload." + field + " is not an integer");
        }
        long count = value.asLong();
        if (count < 0 || count > max) {
            throw new Poison("payload." + field + " " + count + " is out of range (0 .. " + max + ")");
        }
        return Optional.of(count);
    }

    private static UUID uuid(String text, String path) {
        if (!UUID_TEXT.matcher(text).matches()) {
            throw new Poison(path + " " + quote(text) + " is not a UUID");
        }
        return UUID.fromString(text);
    }

    private static void limit(String text, int maxChars, String path) {
        if (text.length() > maxChars) {
            throw new Poison(path + " is " + text.length() + " characters long, more than " + maxChars);
        }
    }

    private static String quote(String text) {
        String shown = text.length() > 80 ? text.substring(0, 80) + "…" : text;
        return "'" + shown + "'";
    }

    /** A decoding failure; its message is the reject reason. */
    private static final class Poison extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Poison(String reason) {
            super(reason.length() > MAX_REASON ? reason.substring(0, MAX_REASON) : reason, null, false, false);
        }
    }
}
