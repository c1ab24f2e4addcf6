package dev.omnirollup.store;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.omnirollup.store.Decoded.MessageEvent;
import dev.omnirollup.store.Decoded.MessageKind;
import java.io.IOException;
import java.util.Optional;
import java.util.UUID;

/**
 * The decoder's fast path for the events nearly every message is: a well-formed {@code message.received},
 * {@code message.sent}, {@code message.delivered} or {@code message.read} envelope, read with a streaming parser
 * straight into the few fields Omni's persistence reads, instead of into a tree of every field. It answers only when
 * it is sure: every check of {@link EventDecoder}'s tree path runs on the same values through the same methods, and
 * anything else — a check that fails, a replay, a field of an unexpected JSON type, a repeated object, JSON the
 * parser refuses — makes it give up ({@code null}), and the tree path decodes the message and names what is wrong.
 * So it never decides a reject reason and never accepts what the tree path would refuse. The values Omni writes into
 * jsonb columns (correlationId, from or to, rawPayload) are only checked for what jsonb refuses: they are walked on
 * the stream, every key and string checked (a superset of what the tree path checks, which keeps only the last of
 * repeated keys), and never built. Parsing a tree of every field was about a third of what the ingest allocated
 * (finding I11 in docs/benchmarks.md).
 */
final class StreamedMessage {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** The objects read at most once ({@link #seen}): a second one makes the fast path give up. */
    private static final int PAYLOAD = 1;
    private static final int METADATA = 2;
    private static final int CONTENT = 4;
    /** What every message the fast path decodes holds. */
    private static final int ENVELOPE = PAYLOAD | METADATA;

    private final JsonFactory factory;
    private final ObjectReader values;
    private final MessageKind kind;

    // the envelope
    private JsonNode id;
    private JsonNode type;
    private JsonNode timestamp;
    /** The objects read so far: {@link #PAYLOAD}, {@link #METADATA}, {@link #CONTENT}. */
    private int seen;
    // payload
    private JsonNode externalId;
    private JsonNode chatId;
    private JsonNode replyToId;
    private JsonNode deliveredAt;
    private JsonNode readAt;
    // payload.content
    private JsonNode contentType;
    private JsonNode text;
    private JsonNode mediaUrl;
    private JsonNode mimeType;
    // metadata
    private JsonNode instanceId;
    private JsonNode personId;
    private JsonNode platformIdentityId;
    private JsonNode channelType;
    private JsonNode source;

    /**
     * One per message (it holds the message's fields).
     *
     * @param factory the tree path's parser factory (the same limits)
     * @param values  reads a value whole into a tree from inside the envelope (not failing on the tokens after it)
     */
    StreamedMessage(JsonFactory factory, ObjectReader values, MessageKind kind) {
        this.factory = factory;
        this.values = values;
        this.kind = kind;
    }

    /** The event, or null when the tree path must decide. */
    MessageEvent decode(long seq, byte[] body) {
        if (kind == MessageKind.FAILED) {
            return null;
        }
        try (JsonParser parser = factory.createParser(body)) {
            if (!read(parser) || parser.nextToken() != null) {
                return null;
            }
            return event(seq);
        } catch (IOException | RuntimeException e) {
            return null; // malformed JSON, a limit, or a check that failed: the tree path says which
        }
    }

    private MessageEvent event(long seq) {
        if (!(id instanceof TextNode) || id.textValue().isEmpty() || !(type instanceof TextNode)
                || !OmniVocabulary.isKnownEventType(type.textValue()) || (seen & ENVELOPE) != ENVELOPE
                || source != null && source.isTextual() && source.textValue().equals("replay")) {
            return null;
        }
        String channel = EventDecoder.channel(channelType);
        if (kind == MessageKind.DELIVERED || kind == MessageKind.READ) {
            if (kind == MessageKind.DELIVERED) {
                EventDecoder.date(deliveredAt, "payload.deliveredAt");
            } else {
                EventDecoder.date(readAt, "payload.readAt");
            }
            Optional<String> receiptId = EventDecoder.receiptExternalId(externalId);
            EventDecoder.insertVarchar(chatId, EventDecoder.ID_CHARS, "payload.chatId");
            Optional<UUID> instance = EventDecoder.uuidColumn(instanceId, "metadata.instanceId");
            long epochMs = EventDecoder.date(timestamp, "timestamp");
            return new MessageEvent(seq, kind, id.textValue(), epochMs, instance, channel,
                    Optional.empty(), Optional.empty(), receiptId);
        }
        boolean received = kind == MessageKind.RECEIVED;
        if ((seen & CONTENT) == 0) {
            return null;
        }
        Optional<String> stored = Optional.ofNullable(EventDecoder.insertVarchar(externalId, EventDecoder.ID_CHARS,
                "payload.externalId"));
        Optional<UUID> instance = EventDecoder.uuidColumn(instanceId, "metadata.instanceId");
        EventDecoder.uuidColumn(personId, "metadata.personId");
        EventDecoder.uuidColumn(platformIdentityId, "metadata.platformIdentityId");
        if (JsCoercion.truthy(text) && !text.isTextual()) {
            return null;
        }
        EventDecoder.insertText(mediaUrl, "payload.content.mediaUrl");
        if (received) {
            EventDecoder.insertVarchar(mimeType, EventDecoder.MIME_CHARS, "payload.content.mimeType");
        }
        EventDecoder.insertVarchar(chatId, EventDecoder.ID_CHARS, "payload.chatId");
        EventDecoder.insertVarchar(replyToId, EventDecoder.ID_CHARS, "payload.replyToId");
        long epochMs = EventDecoder.date(timestamp, "timestamp");
        Optional<String> storedContentType = Optional.ofNullable(contentType != null && contentType.isTextual()
                ? OmniVocabulary.storableContentType(contentType.textValue()) : null);
        return new MessageEvent(seq, kind, id.textValue(), epochMs, instance, channel, storedContentType,
                Optional.empty(), stored);
    }

    /** Reads one field of an object, the parser at its value; false to give up. */
    @FunctionalInterface
    private interface FieldReader {
        boolean read(JsonParser p, String field, JsonToken token) throws IOException;
    }

    /** Reads the fields of the object the parser is in, to its end; false when a field said to give up. */
    private static boolean fields(JsonParser p, FieldReader reader) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            if (!reader.read(p, field, p.nextToken())) {
                return false;
            }
        }
        return true;
    }

    /** Reads one of the objects the envelope holds once; false when it is not an object or came before. */
    private boolean object(int which, JsonParser p, JsonToken token, FieldReader reader) throws IOException {
        if ((seen & which) != 0 || token != JsonToken.START_OBJECT) {
            return false;
        }
        seen |= which;
        return fields(p, reader);
    }

    /** The envelope's fields; false when it is not an object or holds an object twice. */
    private boolean read(JsonParser p) throws IOException {
        return p.nextToken() == JsonToken.START_OBJECT && fields(p, this::envelopeField);
    }

    private boolean envelopeField(JsonParser p, String field, JsonToken token) throws IOException {
        switch (field) {
            case "id" -> id = value(p);
            case "type" -> type = value(p);
            case "timestamp" -> timestamp = value(p);
            case "payload" -> {
                return object(PAYLOAD, p, token, this::payloadField);
            }
            case "metadata" -> {
                return object(METADATA, p, token, this::metadataField);
            }
            default -> p.skipChildren();
        }
        return true;
    }

    private boolean payloadField(JsonParser p, String field, JsonToken token) throws IOException {
        switch (field) {
            case "externalId" -> externalId = value(p);
            case "chatId" -> chatId = value(p);
            case "replyToId" -> replyToId = value(p);
            case "deliveredAt" -> deliveredAt = value(p);
            case "readAt" -> readAt = value(p);
            case "from" -> {
                return kind == MessageKind.RECEIVED ? jsonbAccepts(p, false) : skip(p);
            }
            case "to" -> {
                return kind == MessageKind.SENT ? jsonbAccepts(p, false) : skip(p);
            }
            case "rawPayload" -> {
                return kind == MessageKind.RECEIVED ? jsonbAccepts(p, true) : skip(p);
            }
            case "content" -> {
                return object(CONTENT, p, token, this::contentField);
            }
            case "_replay" -> {
                return false; // a replay marker of any value: the tree path decides
            }
            default -> p.skipChildren();
        }
        return true;
    }

    private boolean contentField(JsonParser p, String field, JsonToken token) throws IOException {
        switch (field) {
            case "type" -> contentType = value(p);
            case "text" -> text = value(p);
            case "mediaUrl" -> mediaUrl = value(p);
            case "mimeType" -> mimeType = value(p);
            default -> p.skipChildren();
        }
        return true;
    }

    private boolean metadataField(JsonParser p, String field, JsonToken token) throws IOException {
        switch (field) {
            case "instanceId" -> instanceId = value(p);
            case "personId" -> personId = value(p);
            case "platformIdentityId" -> platformIdentityId = value(p);
            case "correlationId" -> {
                return inserts() ? jsonbAccepts(p, false) : skip(p);
            }
            case "channelType" -> channelType = value(p);
            case "source" -> source = value(p);
            default -> p.skipChildren();
        }
        return true;
    }

    private boolean inserts() {
        return kind == MessageKind.RECEIVED || kind == MessageKind.SENT;
    }

    /** The value at the parser, as the tree path's tree holds it. */
    private JsonNode value(JsonParser p) throws IOException {
        return switch (p.currentToken()) {
            case VALUE_STRING -> TextNode.valueOf(p.getText());
            case VALUE_NULL -> NullNode.getInstance();
            case VALUE_TRUE, VALUE_FALSE -> BooleanNode.valueOf(p.getBooleanValue());
            case VALUE_NUMBER_INT -> switch (p.getNumberType()) {
                case INT -> NODES.numberNode(p.getIntValue());
                case LONG -> NODES.numberNode(p.getLongValue());
                default -> NODES.numberNode(p.getBigIntegerValue());
            };
            default -> values.readTree(p); // fractions, objects and arrays
        };
    }

    private static boolean skip(JsonParser p) throws IOException {
        p.skipChildren();
        return true;
    }

    /**
     * Walks the value at the parser: false when a key (and, unless {@code keysOnly}, a string) holds what jsonb
     * refuses. {@code keysOnly} is for a value Omni sanitised first: its strings are cleaned and its {@code __proto__}
     * keys dropped.
     */
    private static boolean jsonbAccepts(JsonParser p, boolean keysOnly) throws IOException {
        int depth = 0;
        JsonToken token = p.currentToken();
        while (true) {
            switch (token) {
                case START_OBJECT, START_ARRAY -> depth++;
                case END_OBJECT, END_ARRAY -> depth--;
                case FIELD_NAME -> {
                    if (keysOnly && p.currentName().equals("__proto__")) {
                        p.nextToken();
                        p.skipChildren();
                    } else if (!PgInput.jsonbAccepts(p.currentName())) {
                        return false;
                    }
                }
                case VALUE_STRING -> {
                    if (!keysOnly && !PgInput.jsonbAccepts(p.getText())) {
                        return false;
                    }
                }
                default -> { }
            }
            if (depth == 0) {
                return true;
            }
            token = p.nextToken();
        }
    }
}
