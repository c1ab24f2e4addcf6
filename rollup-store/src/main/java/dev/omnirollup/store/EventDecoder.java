package dev.omnirollup.store;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.omnirollup.store.Decoded.AutomationExecution;
import dev.omnirollup.store.Decoded.Ignored;
import dev.omnirollup.store.Decoded.InstanceStatus;
import dev.omnirollup.store.Decoded.MessageEvent;
import dev.omnirollup.store.Decoded.MessageKind;
import dev.omnirollup.store.Decoded.QueueSnapshot;
import dev.omnirollup.store.Decoded.Rejected;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Decodes Omni's NATS envelopes into {@link Decoded} values. A message event is counted exactly when Omni's
 * persistence stores it and rejected, with a reason naming the field, exactly when Omni loses it: its bus
 * terminates or dead-letters the envelope, or its handler throws, logs and acknowledges it (docs/input-rules.md
 * lists every rule). Besides, bodies over the size limit and bodies that are not JSON within our parser's limits are
 * rejected as our own protection. Pure and thread-safe.
 */
public final class EventDecoder {
    private static final Pattern CANONICAL_UUID =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final int MAX_NESTING = 200;
    private static final int MAX_REASON = 300;
    /** Column widths of omni_events. */
    static final int ID_CHARS = 255;
    static final int MIME_CHARS = 100;
    private static final int STAGE_CHARS = 50;

    private final ObjectMapper json;
    /** Reads one value whole from inside an envelope, for the streamed fast path ({@link StreamedMessage}). */
    private final ObjectReader values;
    private final int maxBodyBytes;

    /** @param maxBodyBytes bodies larger than this are rejected unread */
    public EventDecoder(int maxBodyBytes) {
        if (maxBodyBytes < 1) {
            throw new IllegalArgumentException("maxBodyBytes must be positive, got " + maxBodyBytes);
        }
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_NESTING)
                        .maxStringLength(maxBodyBytes)
                        .build())
                .build();
        this.json = new ObjectMapper(factory).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        this.values = json.reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        this.maxBodyBytes = maxBodyBytes;
    }

    /** Decodes one message. */
    public Decoded decode(InboundMessage message) {
        return decode(message, true);
    }

    /** Decodes one message through the tree of its every field, never the streamed fast path (for tests). */
    Decoded decodeWholeTree(InboundMessage message) {
        return decode(message, false);
    }

    private Decoded decode(InboundMessage message, boolean streamed) {
        try {
            return decodeOrThrow(message, streamed);
        } catch (Poison poison) {
            return new Rejected(message.streamSeq(), poison.getMessage());
        }
    }

    private Decoded decodeOrThrow(InboundMessage message, boolean streamed) {
        long seq = message.streamSeq();
        String subject = message.subject();
        int firstDot = subject.indexOf('.');
        int secondDot = firstDot < 0 ? -1 : subject.indexOf('.', firstDot + 1);
        String domain = firstDot < 0 ? subject : subject.substring(0, firstDot);
        if (!domain.equals("message") && !domain.equals("automation") && !domain.equals("instance")) {
            throw new Poison("subject " + quote(subject) + " is not a message, automation or instance subject");
        }
        if (secondDot < 0) {
            return new Ignored(seq, "bare subject " + quote(subject) + " (upstream persistence never sees it)");
        }
        String action = subject.substring(firstDot + 1, secondDot);
        Optional<MessageKind> kind = domain.equals("message") ? MessageKind.ofAction(action) : Optional.empty();
        if (domain.equals("message") && kind.isEmpty()) {
            return new Ignored(seq, "no persistence consumer of Omni reads subject " + quote(subject));
        }
        if (message.body().length > maxBodyBytes) {
            throw new Poison("body of " + message.body().length + " bytes exceeds the limit of " + maxBodyBytes);
        }
        if (streamed && kind.isPresent()) {
            MessageEvent event = new StreamedMessage(json.getFactory(), values, kind.get()).decode(seq, message.body());
            if (event != null) {
                return event;
            }
        }
        JsonNode root = parse(message.body());
        if (!root.isObject()) {
            throw new Poison("envelope is a JSON " + typeOf(root) + ", not an object");
        }
        if (kind.isPresent()) {
            return message(seq, kind.get(), root);
        }
        String type = domain + "." + action;
        long epochMs = ownEnvelope(root, type, subject);
        JsonNode payload = root.get("payload");
        return domain.equals("automation") ? automation(seq, action, payload, epochMs)
                : instance(seq, action, payload, epochMs);
    }

    // ---------------------------------------------------------------- message events: what Omni stores
    // StreamedMessage runs these checks on the fields it streams out of a well-formed received, sent, delivered or
    // read event: a rule added here must be added there too (StreamedMessageTest finds a rule missing there only
    // where the generated traffic breaks it)

    private Decoded message(long seq, MessageKind kind, JsonNode root) {
        // the bus's parseMessage terminates these
        JsonNode id = root.get("id");
        if (!JsCoercion.truthy(id)) {
            throw new Poison("id is missing, empty, zero or false (Omni terminates the event)");
        }
        JsonNode type = root.get("type");
        if (!JsCoercion.truthy(type)) {
            throw new Poison("type is missing or empty (Omni terminates the event)");
        }
        JsonNode payload = root.get("payload");
        if (payload == null) {
            throw new Poison("payload is missing (Omni terminates the event)");
        }
        // the registry's validation and the stream-sequence stamp fail on these: retried, then dead-lettered
        if (!type.isTextual()) {
            throw new Poison("type is " + describe(type) + ", not a string (Omni's event registry fails on it)");
        }
        if (!OmniVocabulary.isKnownEventType(type.textValue())) {
            throw new Poison("type " + quote(type.textValue()) + " is not a core, custom.* or system.* event type"
                    + " (Omni's event registry rejects it)");
        }
        JsonNode metadata = root.get("metadata");
        if (metadata == null || !metadata.isContainerNode()) {
            throw new Poison("metadata is " + (metadata == null ? "missing" : "a JSON " + typeOf(metadata))
                    + " (Omni cannot stamp the stream sequence on it)");
        }
        if (isReplay(payload, metadata)) {
            return new Ignored(seq, "replayed event (not counted, see docs/input-rules.md)");
        }
        // the handler of the subject's consumer: whatever it throws is logged and the event acknowledged
        if (payload.isNull()) {
            throw new Poison("payload is null (Omni's handler throws reading it)");
        }
        return switch (kind) {
            case RECEIVED, SENT -> inserted(seq, kind, root, payload, metadata);
            case FAILED -> failed(seq, root, payload, metadata);
            case DELIVERED, READ -> receipt(seq, kind, root, payload, metadata);
        };
    }

    /** message.received / message.sent: one INSERT. */
    private static MessageEvent inserted(long seq, MessageKind kind, JsonNode root, JsonNode payload,
                                         JsonNode metadata) {
        boolean received = kind == MessageKind.RECEIVED;
        JsonNode content = payload.get("content");
        if (content == null || content.isNull()) {
            throw new Poison("payload.content is " + (content == null ? "missing" : "null")
                    + " (Omni reads payload.content.type and throws)");
        }
        Optional<String> externalId = Optional.ofNullable(insertVarchar(payload.get("externalId"), ID_CHARS,
                "payload.externalId"));
        Optional<UUID> instanceId = uuidColumn(metadata.get("instanceId"), "metadata.instanceId");
        uuidColumn(metadata.get("personId"), "metadata.personId");
        uuidColumn(metadata.get("platformIdentityId"), "metadata.platformIdentityId");
        JsonNode type = content.get("type");
        Optional<String> contentType = Optional.ofNullable(type != null && type.isTextual()
                ? OmniVocabulary.storableContentType(type.textValue()) : null);
        JsonNode text = content.get("text");
        if (JsCoercion.truthy(text) && !text.isTextual()) {
            throw new Poison("payload.content.text is " + describe(text) + " (Omni's sanitizeText throws on"
                    + " anything but a string)");
        }
        insertText(content.get("mediaUrl"), "payload.content.mediaUrl");
        if (received) {
            insertVarchar(content.get("mimeType"), MIME_CHARS, "payload.content.mimeType");
        }
        insertVarchar(payload.get("chatId"), ID_CHARS, "payload.chatId");
        insertVarchar(payload.get("replyToId"), ID_CHARS, "payload.replyToId");
        long epochMs = date(root.get("timestamp"), "timestamp");
        if (received) {
            JsonNode raw = payload.get("rawPayload");
            if (JsCoercion.truthy(raw) && !PgInput.jsonbAcceptsSanitized(raw)) {
                throw new Poison("payload.rawPayload has a key with NUL or an unpaired surrogate, which jsonb refuses");
            }
        }
        jsonb(metadata.get("correlationId"), "metadata.correlationId");
        jsonb(payload.get(received ? "from" : "to"), received ? "payload.from" : "payload.to");
        return new MessageEvent(seq, kind, eventId(root.get("id")), epochMs, instanceId,
                channel(metadata.get("channelType")), contentType, Optional.empty(), externalId);
    }

    /** message.failed: one INSERT; any payload but null stores a row (a non-object one with NULL fields). */
    private static MessageEvent failed(long seq, JsonNode root, JsonNode payload, JsonNode metadata) {
        Optional<String> externalId = Optional.ofNullable(insertVarchar(payload.get("externalId"), ID_CHARS,
                "payload.externalId"));
        insertVarchar(payload.get("chatId"), ID_CHARS, "payload.chatId");
        insertText(payload.get("error"), "payload.error");
        Optional<String> errorStage = Optional.ofNullable(insertVarchar(payload.get("errorCode"), STAGE_CHARS,
                "payload.errorCode"));
        Optional<UUID> instanceId = uuidColumn(metadata.get("instanceId"), "metadata.instanceId");
        uuidColumn(metadata.get("personId"), "metadata.personId");
        long epochMs = date(root.get("timestamp"), "timestamp");
        jsonb(metadata.get("correlationId"), "metadata.correlationId");
        jsonb(payload.get("retryable"), "payload.retryable");
        return new MessageEvent(seq, MessageKind.FAILED, eventId(root.get("id")), epochMs, instanceId,
                channel(metadata.get("channelType")), Optional.empty(), errorStage, externalId);
    }

    /**
     * message.delivered / message.read: an UPDATE of the rows with the external id, and an INSERT when none
     * matched. Fields only the INSERT uses are checked too, although Omni would still update matching rows when
     * only they are bad (see docs/input-rules.md).
     */
    private static MessageEvent receipt(long seq, MessageKind kind, JsonNode root, JsonNode payload,
                                        JsonNode metadata) {
        String at = kind == MessageKind.DELIVERED ? "deliveredAt" : "readAt";
        date(payload.get(at), "payload." + at);
        Optional<String> externalId = receiptExternalId(payload.get("externalId"));
        insertVarchar(payload.get("chatId"), ID_CHARS, "payload.chatId");
        Optional<UUID> instanceId = uuidColumn(metadata.get("instanceId"), "metadata.instanceId");
        long epochMs = date(root.get("timestamp"), "timestamp");
        return new MessageEvent(seq, kind, eventId(root.get("id")), epochMs, instanceId,
                channel(metadata.get("channelType")), Optional.empty(), Optional.empty(), externalId);
    }

    /** The external id a receipt looks rows up with; empty when no row can match (it inserts its own row). */
    static Optional<String> receiptExternalId(JsonNode value) {
        String path = "payload.externalId";
        return switch (PgInput.param(value)) {
            case UNDEFINED -> throw new Poison(path + " is missing (Omni's lookup binds undefined, which its"
                    + " driver refuses)");
            case NULL -> Optional.empty(); // "= NULL" matches nothing: a row with a NULL external id is inserted
            case BOOLEAN -> throw new Poison(path + " is a boolean (comparing it with the text column fails)");
            case UNCONVERTIBLE -> throw unconvertible(path);
            case TEXT -> {
                String text = storedText(PgInput.paramText(value), path);
                String stored = varchar(text, ID_CHARS, path);
                // longer only by trailing spaces: matches no row, inserts one with the cut id (not tracked)
                yield stored.length() == text.length() ? Optional.of(stored) : Optional.empty();
            }
        };
    }

    private static boolean isReplay(JsonNode payload, JsonNode metadata) {
        JsonNode replay = payload.get("_replay");
        if (replay != null && replay.isBoolean() && replay.booleanValue()) {
            return true;
        }
        JsonNode source = metadata.get("source");
        return source != null && source.isTextual() && source.textValue().equals("replay");
    }

    private static String eventId(JsonNode id) {
        if (id.isTextual()) {
            return id.textValue();
        }
        String text = JsCoercion.toJsString(id);
        return text != null ? text : id.toString();
    }

    /** The channel Omni stores for {@code metadata.channelType} (null: absent). */
    static String channel(JsonNode channelType) {
        return channelType != null && channelType.isTextual() ? OmniVocabulary.channelOf(channelType.textValue())
                : OmniVocabulary.FALLBACK_CHANNEL;
    }

    // ---------------------------------------------------------------- what PostgreSQL accepts from Omni

    /** What a text column stores for {@code value} in an INSERT (null: NULL); Poison when the INSERT fails. */
    static String insertText(JsonNode value, String path) {
        if (value == null || value.isNull()) {
            return null; // undefined leaves the column default, NULL
        }
        if (value.isTextual()) {
            return storedText(value.textValue(), path);
        }
        if (PgInput.param(value) == PgInput.Param.UNCONVERTIBLE) {
            throw unconvertible(path);
        }
        return storedText(PgInput.paramText(value), path);
    }

    /** {@link #insertText} for a {@code varchar(maxChars)} column. */
    static String insertVarchar(JsonNode value, int maxChars, String path) {
        String text = insertText(value, path);
        return text == null ? null : varchar(text, maxChars, path);
    }

    private static String storedText(String text, String path) {
        String stored = PgInput.storedText(text);
        if (stored == null) {
            throw new Poison(path + " contains NUL (\\u0000), which PostgreSQL refuses in text");
        }
        return stored;
    }

    private static String varchar(String text, int maxChars, String path) {
        String stored = PgInput.varchar(text, maxChars);
        if (stored == null) {
            throw new Poison(path + " is " + text.codePointCount(0, text.length()) + " characters long, more than"
                    + " the " + maxChars + " its column holds");
        }
        return stored;
    }

    /** The uuid a uuid column stores for {@code value} (empty: NULL); Poison when PostgreSQL refuses it. */
    static Optional<UUID> uuidColumn(JsonNode value, String path) {
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        UUID uuid = null;
        if (value.isTextual()) {
            uuid = PgInput.uuid(value.textValue());
        } else {
            switch (PgInput.param(value)) {
                case BOOLEAN -> throw new Poison(path + " is a boolean, which a uuid column refuses");
                case UNCONVERTIBLE -> throw unconvertible(path);
                default -> uuid = PgInput.uuid(PgInput.paramText(value));
            }
        }
        if (uuid == null) {
            throw new Poison(path + " " + quote(value.isTextual() ? value.textValue() : value.toString())
                    + " is not a UUID PostgreSQL accepts");
        }
        return Optional.of(uuid);
    }

    /** Poison when a value Omni writes into a jsonb column holds what jsonb refuses. */
    private static void jsonb(JsonNode value, String path) {
        if (value != null && !PgInput.jsonbAccepts(value)) {
            throw new Poison(path + " holds NUL or an unpaired surrogate, which Omni's jsonb metadata column refuses");
        }
    }

    /** The epoch milliseconds of {@code new Date(value)}; Poison when it is invalid or PostgreSQL refuses it. */
    static long date(JsonNode value, String path) {
        long ms = JsDate.newDate(value);
        if (!JsDate.storable(ms)) {
            throw new Poison(path + " " + JsDate.problem(value));
        }
        return ms;
    }

    private static Poison unconvertible(String path) {
        return new Poison(path + " is an object with its own toString property, which JavaScript cannot turn"
                + " into text");
    }

    // ---------------------------------------------------------------- automation and instance events

    /**
     * The envelope checks of the events omni-rollup reads besides Omni's message persistence: string id and type,
     * the type of the subject, an integral timestamp PostgreSQL can store, an object payload.
     */
    private static long ownEnvelope(JsonNode root, String type, String subject) {
        requiredText(root, "id", "id");
        String envelopeType = requiredText(root, "type", "type");
        if (!envelopeType.equals(type)) {
            throw new Poison("type " + quote(envelopeType) + " does not match subject " + quote(subject));
        }
        JsonNode node = root.get("timestamp");
        if (node == null || node.isNull()) {
            throw new Poison("timestamp is missing");
        }
        if (!node.isIntegralNumber() && !(node.isNumber() && node.asDouble() == Math.rint(node.asDouble()))) {
            throw new Poison("timestamp is not an integer number of milliseconds");
        }
        if (!node.canConvertToLong() || !JsDate.storable(node.asLong())) {
            throw new Poison("timestamp " + node.asText() + " is outside the years 1 to 9999");
        }
        JsonNode payload = root.get("payload");
        if (payload == null || !payload.isObject()) {
            throw new Poison("payload is missing or not an object");
        }
        JsonNode metadata = root.get("metadata");
        if (metadata != null && !metadata.isObject() && !metadata.isNull()) {
            throw new Poison("metadata is not an object");
        }
        return node.asLong();
    }

    private static Decoded automation(long seq, String action, JsonNode payload, long epochMs) {
        return switch (action) {
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
            default -> throw new Poison("unknown event type " + quote("automation." + action));
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

    private static String requiredText(JsonNode node, String field, String path) {
        return optionalText(node, field, path).orElseThrow(() -> new Poison(path + " is missing"));
    }

    private static Optional<String> optionalText(JsonNode node, String field, String path) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isTextual()) {
            throw new Poison(path + " is " + describe(value) + ", not a string");
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

    private static void uuid(String text, String path) {
        if (!CANONICAL_UUID.matcher(text).matches()) {
            throw new Poison(path + " " + quote(text) + " is not a UUID");
        }
    }

    private static void limit(String text, int maxChars, String path) {
        if (text.length() > maxChars) {
            throw new Poison(path + " is " + text.length() + " characters long, more than " + maxChars);
        }
    }

    // ---------------------------------------------------------------- JSON

    /**
     * Parses the body as Omni does ({@code JSON.parse} of the body decoded as UTF-8, malformed bytes replaced by
     * U+FFFD), within our limits: nesting depth, string and number lengths.
     */
    private JsonNode parse(byte[] body) {
        try {
            return nonEmpty(json.readTree(body));
        } catch (JsonProcessingException e) {
            boolean bom = body.length >= 3 && body[0] == (byte) 0xEF && body[1] == (byte) 0xBB && body[2] == (byte) 0xBF;
            if (!bom && isUtf8(body)) {
                throw new Poison("invalid JSON: " + e.getOriginalMessage());
            }
            try {
                return nonEmpty(json.readTree(JsCoercion.textDecoder(body)));
            } catch (JsonProcessingException again) {
                throw new Poison("invalid JSON: " + again.getOriginalMessage());
            }
        } catch (IOException e) {
            throw new Poison("unreadable body: " + e.getMessage());
        }
    }

    private static JsonNode nonEmpty(JsonNode root) {
        if (root == null || root.isMissingNode()) {
            throw new Poison("empty body");
        }
        return root;
    }

    private static boolean isUtf8(byte[] body) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    private static String typeOf(JsonNode node) {
        return node.getNodeType().name().toLowerCase(Locale.ROOT);
    }

    /** "a number", "an object", ... */
    private static String describe(JsonNode node) {
        String type = typeOf(node);
        return (type.startsWith("a") || type.startsWith("o") ? "an " : "a ") + type;
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
