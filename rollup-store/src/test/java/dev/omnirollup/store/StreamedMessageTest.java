package dev.omnirollup.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.omnirollup.sim.OmniEvent;
import dev.omnirollup.sim.TrafficGenerator;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The streamed fast path against the tree path it stands in for: on generated traffic (every episode kind,
 * including the malformed ones Omni loses), on that traffic with a field at a time replaced by values of every JSON
 * type, and on hand-written envelopes the generator never writes (repeated keys, trailing tokens, a byte-order mark,
 * bytes that are not UTF-8, other encodings), {@code decode} equals {@code decodeWholeTree} message for message —
 * and the fast path did answer for nearly all the well-formed receipts and inserts.
 */
class StreamedMessageTest {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Instant END = Instant.parse("2026-11-30T12:00:00Z");
    private static final List<JsonNode> ODD_VALUES = List.of(NODES.nullNode(), NODES.textNode(""),
            NODES.textNode("x"), NODES.textNode("a\u0000b"), NODES.textNode("\uD83D"), NODES.numberNode(0),
            NODES.numberNode(7), NODES.numberNode(-1.5), NODES.numberNode(1e300), NODES.booleanNode(true),
            NODES.booleanNode(false), NODES.objectNode(), NODES.objectNode().put("toString", "x"),
            NODES.objectNode().put("k\u0000", 1), NODES.arrayNode(), NODES.arrayNode().add(1).add("a"),
            proto(NODES.objectNode().put("k\u0000", 1)), proto(NODES.textNode("\uD83D")),
            NODES.arrayNode().add(NODES.objectNode().put("\uDC00", true)),
            NODES.textNode("2026-11-30T11:00:00Z"), NODES.textNode("not a date"),
            NODES.textNode("0B9A3A64-8C1E-4C55-9B6F-0C7F1D2E3A4B"), NODES.textNode("x".repeat(300)),
            NODES.textNode("replay"), NODES.textNode("ID with trailing spaces   "));
    private static final List<String> PATHS = List.of("id", "type", "timestamp", "payload", "metadata",
            "payload.externalId", "payload.chatId", "payload.replyToId", "payload.from", "payload.to",
            "payload.rawPayload", "payload.deliveredAt", "payload.readAt", "payload.content", "payload._replay",
            "payload.content.type", "payload.content.text", "payload.content.mediaUrl", "payload.content.mimeType",
            "metadata.instanceId", "metadata.personId", "metadata.platformIdentityId", "metadata.correlationId",
            "metadata.channelType", "metadata.source", "metadata.traceId", "payload.unknown", "unknown");

    private final EventDecoder decoder = new EventDecoder(1 << 20);

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void generatedTrafficDecodesAsTheTreeDecodesIt(long seed) {
        List<OmniEvent> events = TrafficGenerator.generate(TrafficGenerator.Config.of(seed, END, Duration.ofDays(3),
                20_000, TrafficGenerator.defaultInstances(20, seed)));
        long streamedEligible = 0;
        long streamedAnswered = 0;
        for (int i = 0; i < events.size(); i++) {
            InboundMessage message = new InboundMessage(events.get(i).subject(), events.get(i).toJson(), i + 1);
            Decoded tree = decoder.decodeWholeTree(message);
            assertEquals(tree, decoder.decode(message), message.subject() + " " + body(message));
            if (tree instanceof Decoded.MessageEvent event && event.kind() != Decoded.MessageKind.FAILED) {
                streamedEligible++;
                if (streamed(message, event.kind()) != null) {
                    streamedAnswered++;
                }
            }
        }
        assertTrue(streamedEligible > 10_000, "receipts and inserts in the traffic: " + streamedEligible);
        assertTrue(streamedAnswered > 0.95 * streamedEligible,
                "the fast path answered " + streamedAnswered + " of " + streamedEligible);
    }

    @Test
    void aFieldReplacedByAnyJsonValueDecodesAsTheTreeDecodesIt() {
        List<OmniEvent> events = TrafficGenerator.generate(TrafficGenerator.Config.of(4, END, Duration.ofDays(1),
                4_000, TrafficGenerator.defaultInstances(8, 4)));
        Random random = new Random(4);
        int compared = 0;
        for (int i = 0; i < events.size(); i++) {
            OmniEvent event = events.get(i);
            if (!event.subject().startsWith("message.")) {
                continue;
            }
            for (int round = 0; round < 6; round++) {
                ObjectNode root = envelope(event);
                String path = PATHS.get(random.nextInt(PATHS.size()));
                JsonNode value = ODD_VALUES.get(random.nextInt(ODD_VALUES.size()));
                set(root, path, value);
                InboundMessage message = new InboundMessage(event.subject(), bytes(root), i + 1);
                assertEquals(decoder.decodeWholeTree(message), decoder.decode(message),
                        path + " = " + value + " in " + body(message));
                compared++;
            }
        }
        assertTrue(compared > 10_000, "compared " + compared);
    }

    @Test
    void envelopesTheGeneratorNeverWritesDecodeAsTheTreeDecodesThem() {
        OmniEvent received = TrafficGenerator.generate(TrafficGenerator.Config.of(5, END, Duration.ofHours(1), 400,
                        TrafficGenerator.defaultInstances(2, 5))).stream()
                .filter(e -> e.type().equals("message.received") && !e.subject().equals(e.type())
                        && e.metadata().path("instanceId").isTextual()).findFirst().orElseThrow();
        String json = new String(received.toJson(), StandardCharsets.UTF_8);
        String inner = json.substring(1, json.length() - 1);
        String trailing = json + " {}";
        List<String> bodies = List.of(
                json,
                "{" + inner + ",\"payload\":{\"chatId\":\"c\"}}", // payload twice: the last counts, whole
                "{" + inner + ",\"metadata\":{\"channelType\":\"telegram\"}}",
                "{\"payload\":null," + inner + "}",
                "{" + inner + ",\"id\":\"\"}", // a later id wins
                "{" + inner + ",\"id\":\"other-id\"}",
                trailing,
                json + "  \n",
                "\uFEFF" + json, // byte-order mark
                json.replace("\"metadata\":{", "\"metadata\":{\"traceId\":{\"deep\":[[[{\"a\":1}]]]},"),
                json.replace("\"metadata\":{", "\"metadata\":{\"channelType\":\"telegram\",\"channelType\":7,"),
                json.replace("\"content\":{", "\"content\":{\"text\":\"a\",\"text\":{},"),
                "[" + json + "]",
                "\"text\"",
                "",
                "{");
        for (String body : bodies) {
            assertSame(new InboundMessage(received.subject(), body.getBytes(StandardCharsets.UTF_8), 1));
            assertSame(new InboundMessage(received.subject(), body.getBytes(StandardCharsets.UTF_16BE), 1));
        }
        // a byte that is not UTF-8 in a field the fast path skips, and in one it reads
        byte[] utf8 = json.replace("\"metadata\":{", "\"metadata\":{\"traceId\":\"\u00e9\",")
                .getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream broken = new ByteArrayOutputStream();
        for (byte b : utf8) {
            broken.write(b == (byte) 0xA9 ? 0xFF : b);
        }
        assertSame(new InboundMessage(received.subject(), broken.toByteArray(), 1));
        // a lead byte of three right before a skipped string's closing quote (a decoder that trusts it would
        // swallow the quote and read a different structure)
        ByteArrayOutputStream lead = new ByteArrayOutputStream();
        for (int i = 0; i < utf8.length; i++) {
            if (utf8[i] == (byte) 0xC3 && i + 1 < utf8.length && utf8[i + 1] == (byte) 0xA9) {
                lead.write(0xE2);
                i++;
            } else {
                lead.write(utf8[i]);
            }
        }
        assertSame(new InboundMessage(received.subject(), lead.toByteArray(), 1));
        byte[] badId = json.replace("\"externalId\":\"", "\"externalId\":\"\u00e9").getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < badId.length; i++) {
            if (badId[i] == (byte) 0xA9) {
                badId[i] = (byte) 0xFF;
            }
        }
        assertSame(new InboundMessage(received.subject(), badId, 1));
        assertNotNull(streamed(new InboundMessage(received.subject(), received.toJson(), 1),
                Decoded.MessageKind.RECEIVED), "the fast path answers for a well-formed message.received");
        assertNull(streamed(new InboundMessage(received.subject(), trailing.getBytes(StandardCharsets.UTF_8), 1),
                Decoded.MessageKind.RECEIVED), "and leaves trailing tokens to the tree path");
    }

    private void assertSame(InboundMessage message) {
        assertEquals(decoder.decodeWholeTree(message), decoder.decode(message), body(message));
    }

    /** An object holding {@code value} under the key {@code __proto__} (which Omni's sanitising drops). */
    private static ObjectNode proto(JsonNode value) {
        ObjectNode node = NODES.objectNode();
        node.set("__proto__", value);
        return node;
    }

    private static Decoded.MessageEvent streamed(InboundMessage message, Decoded.MessageKind kind) {
        return new StreamedMessage(MAPPER.getFactory(), MAPPER.reader(), kind).decode(message.streamSeq(),
                message.body());
    }

    private static ObjectNode envelope(OmniEvent event) {
        try {
            return (ObjectNode) MAPPER.readTree(event.toJson());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void set(ObjectNode root, String path, JsonNode value) {
        String[] parts = path.split("\\.");
        ObjectNode node = root;
        for (int i = 0; i < parts.length - 1; i++) {
            if (!(node.get(parts[i]) instanceof ObjectNode child)) {
                node.set(parts[i], value);
                return;
            }
            node = child;
        }
        node.set(parts[parts.length - 1], value);
    }

    private static byte[] bytes(JsonNode root) {
        try {
            return MAPPER.writeValueAsBytes(root);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String body(InboundMessage message) {
        return new String(message.body(), StandardCharsets.UTF_8);
    }
}
