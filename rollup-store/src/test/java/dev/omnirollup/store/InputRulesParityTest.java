package dev.omnirollup.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.omnirollup.sim.Instance;
import dev.omnirollup.sim.PoisonGenerator;
import dev.omnirollup.sim.ReferencePersistence;
import dev.omnirollup.sim.ScratchDatabase;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Supplier;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.Test;

/**
 * The decoder and omni-sim's {@link ReferencePersistence} implement Omni's input rules (docs/input-rules.md) apart
 * from each other: the first in Java alone, the second with PostgreSQL deciding what Omni's statements would fail on.
 * Here they meet on thousands of generated events with odd fields: the decoder counts an event exactly when the
 * reference stores it, with the values the reference stored, ignores what the reference skips and rejects what it
 * loses.
 */
class InputRulesParityTest {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    /** Writes lone surrogates as JSON escapes, as any publisher must. */
    private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .enable(JsonWriteFeature.ESCAPE_NON_ASCII).build());
    private static final UUID INSTANCE = UUID.fromString("0a000000-0000-4000-8000-0000000000aa");
    private static final UUID PERSON = UUID.fromString("0b000000-0000-4000-8000-0000000000bb");
    private static final UUID IDENTITY = UUID.fromString("0c000000-0000-4000-8000-0000000000cc");
    private static final long T0 = 1_770_717_600_123L;
    private static final List<String> ACTIONS = List.of("received", "sent", "failed", "delivered", "read");

    private final EventDecoder decoder = new EventDecoder(1 << 20);

    @Test
    void decoderAndReferenceAgreeOnOddEvents() throws SQLException {
        SplittableRandom random = new SplittableRandom(20_261_202);
        Map<String, Integer> outcomes = new TreeMap<>();
        List<String> disagreements = new ArrayList<>();
        try (ScratchDatabase db = ScratchDatabase.create().withOmniSchema(); Handle h = db.jdbi().open()) {
            Connection c = h.getConnection();
            ReferencePersistence reference = new ReferencePersistence(h);
            reference.ensureInstances(List.of(new Instance(INSTANCE, "wa", "whatsapp-baileys")));
            try (Statement s = c.createStatement()) {
                s.execute("INSERT INTO persons (id) VALUES ('" + PERSON + "')");
                s.execute("INSERT INTO platform_identities (id, channel, platform_user_id) VALUES ('" + IDENTITY
                        + "', 'whatsapp-baileys', 'u')");
            }
            for (int i = 0; i < 3_000; i++) {
                String action = ACTIONS.get(random.nextInt(ACTIONS.size()));
                ObjectNode envelope = envelope(random, action);
                for (int m = 1 + random.nextInt(3); m > 0; m--) {
                    mutate(random, action, envelope);
                }
                String subject = "message." + action + ".whatsapp-baileys." + INSTANCE;
                byte[] body = bytes(envelope);
                String outcome = compare(c, reference, subject, body, i + 1);
                if (outcome.startsWith("DIFFER")) {
                    disagreements.add(outcome + "\n    " + new String(body, StandardCharsets.UTF_8));
                }
                outcomes.merge(outcome.startsWith("DIFFER") ? "differ" : outcome, 1, Integer::sum);
                try (Statement s = c.createStatement()) {
                    s.execute("DELETE FROM omni_events"); // receipts then never find rows to update
                }
            }
        }
        System.out.println("input rules parity: " + outcomes);
        assertEquals(List.of(), disagreements.stream().limit(20).toList());
        assertTrue(outcomes.getOrDefault("stored", 0) > 600 && outcomes.getOrDefault("lost", 0) > 600,
                "both outcomes well represented: " + outcomes);
    }

    /** Omni loses every poison message but the ones only our limits refuse; we reject them all. */
    @Test
    void everyPoisonMessageIsRejected() {
        EventDecoder small = new EventDecoder(64 * 1024);
        for (PoisonGenerator.Poison p : PoisonGenerator.oneOfEach(9, 100_000)) {
            Decoded decoded = small.decode(new InboundMessage(p.subject(), p.body(), 1));
            Decoded.Rejected rejected = assertInstanceOf(Decoded.Rejected.class, decoded, p.toString());
            assertTrue(!rejected.reason().isBlank(), p.toString());
        }
    }

    private String compare(Connection c, ReferencePersistence reference, String subject, byte[] body, long seq)
            throws SQLException {
        ReferencePersistence.Stats stats = reference.applyPublished(
                List.of(new ReferencePersistence.Published(subject, body)));
        Decoded decoded = decoder.decode(new InboundMessage(subject, body, seq));
        if (stats.lost() == 1) {
            return decoded instanceof Decoded.Rejected ? "lost" : "DIFFER reference lost it, decoder: " + decoded;
        }
        if (stats.skipped() == 1) {
            return decoded instanceof Decoded.Ignored ? "skipped" : "DIFFER reference skipped it, decoder: " + decoded;
        }
        if (!(decoded instanceof Decoded.MessageEvent event)) {
            return "DIFFER reference stored it (" + stats + "), decoder: " + decoded;
        }
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT external_id, error_stage,"
                + " content_type, instance_id, channel, (extract(epoch FROM received_at) * 1000)::bigint"
                + " FROM omni_events")) {
            rs.next();
            String externalId = rs.getString(1);
            boolean receipt = event.kind() == Decoded.MessageKind.DELIVERED || event.kind() == Decoded.MessageKind.READ;
            boolean cutReceiptId = receipt && event.externalId().isEmpty() && externalId != null
                    && externalId.length() == 255; // documented: matches nothing, inserts the cut id
            List<String> wrong = new ArrayList<>();
            if (!cutReceiptId && !Objects.equals(externalId, event.externalId().orElse(null))) {
                wrong.add("externalId " + externalId + " vs " + event.externalId());
            }
            check(wrong, "errorStage", rs.getString(2), event.errorStage().orElse(null));
            check(wrong, "contentType", rs.getString(3), event.contentType().orElse(null));
            check(wrong, "instanceId", rs.getString(4), event.instanceId().map(UUID::toString).orElse(null));
            check(wrong, "channel", rs.getString(5), event.channel());
            check(wrong, "receivedAt", rs.getLong(6), event.epochMs());
            return wrong.isEmpty() ? "stored" : "DIFFER " + wrong;
        }
    }

    private static void check(List<String> wrong, String what, Object stored, Object decoded) {
        if (!Objects.equals(stored, decoded)) {
            wrong.add(what + " stored " + stored + ", decoded " + decoded);
        }
    }

    // ---------------------------------------------------------------- events

    private static ObjectNode envelope(SplittableRandom random, String action) {
        ObjectNode envelope = JSON.objectNode();
        envelope.put("id", new UUID(random.nextLong(), random.nextLong()).toString());
        envelope.put("type", "message." + action);
        ObjectNode payload = envelope.putObject("payload");
        payload.put("externalId", "3EB0" + Long.toHexString(random.nextLong()));
        payload.put("chatId", "5511999990000@s.whatsapp.net");
        switch (action) {
            case "received", "sent" -> {
                ObjectNode content = payload.putObject("content");
                content.put("type", "text");
                content.put("text", "hello");
                payload.put(action.equals("received") ? "from" : "to", "5511999990000@s.whatsapp.net");
            }
            case "failed" -> {
                payload.put("error", "Failed to send message");
                payload.put("errorCode", "WHATSAPP_SEND_FAILED");
                payload.put("retryable", true);
            }
            default -> payload.put(action.equals("delivered") ? "deliveredAt" : "readAt", T0 - 5);
        }
        envelope.put("timestamp", T0);
        ObjectNode metadata = envelope.putObject("metadata");
        metadata.put("correlationId", "evt-1");
        metadata.put("instanceId", INSTANCE.toString());
        metadata.put("channelType", "whatsapp-baileys");
        metadata.put("source", "channel:whatsapp-baileys");
        return envelope;
    }

    /** Replaces one field, somewhere in the envelope, with an odd value (or removes it). */
    private static void mutate(SplittableRandom random, String action, ObjectNode envelope) {
        int where = random.nextInt(10);
        JsonNode payloadNode = envelope.get("payload");
        JsonNode metadataNode = envelope.get("metadata");
        if (where == 0) {
            String field = pick(random, List.of("id", "type", "payload", "metadata"));
            set(envelope, field, switch (field) {
                case "id" -> value(random, List.of(() -> JSON.numberNode(7), () -> JSON.numberNode(0),
                        () -> JSON.textNode(""), () -> JSON.booleanNode(true), () -> JSON.objectNode(), () -> null));
                case "type" -> value(random, List.of(() -> JSON.textNode("message.sent"),
                        () -> JSON.textNode("custom.bridge"), () -> JSON.textNode("message.exploded"),
                        () -> JSON.numberNode(5), () -> JSON.textNode(""), () -> null));
                case "payload" -> value(random, List.of(() -> JSON.nullNode(), () -> JSON.textNode("oops"),
                        () -> JSON.arrayNode().add(1), () -> null));
                default -> value(random, List.of(() -> JSON.nullNode(), () -> JSON.textNode("m"),
                        () -> JSON.arrayNode(), () -> JSON.numberNode(1), () -> null));
            });
        } else if (where <= 2) {
            set(envelope, "timestamp", date(random));
        } else if (where <= 4 && metadataNode instanceof ObjectNode metadata) {
            String field = pick(random, List.of("instanceId", "instanceId", "personId", "platformIdentityId",
                    "correlationId", "channelType", "source"));
            set(metadata, field, switch (field) {
                case "instanceId" -> uuid(random, INSTANCE);
                case "personId" -> uuid(random, PERSON);
                case "platformIdentityId" -> uuid(random, IDENTITY);
                case "channelType" -> value(random, List.of(() -> JSON.textNode("telegram"),
                        () -> JSON.textNode("signal"), () -> JSON.numberNode(3), () -> null));
                case "source" -> value(random, List.of(() -> JSON.textNode("replay"), () -> JSON.textNode("x")));
                default -> anything(random);
            });
        } else if (payloadNode instanceof ObjectNode payload) {
            List<String> fields = switch (action) {
                case "received" -> List.of("externalId", "externalId", "chatId", "replyToId", "content", "content",
                        "content.type", "content.text", "content.mediaUrl", "content.mimeType", "from", "rawPayload",
                        "_replay");
                case "sent" -> List.of("externalId", "externalId", "chatId", "replyToId", "content", "content.type",
                        "content.text", "content.mediaUrl", "content.mimeType", "to", "rawPayload");
                case "failed" -> List.of("externalId", "externalId", "chatId", "error", "errorCode", "errorCode",
                        "retryable");
                default -> List.of("externalId", "externalId", "externalId", "chatId", "deliveredAt", "readAt");
            };
            String field = pick(random, fields);
            if (field.startsWith("content.")) {
                if (payload.get("content") instanceof ObjectNode content) {
                    set(content, field.substring("content.".length()), field.equals("content.type")
                            ? value(random, List.of(() -> JSON.textNode("poll"), () -> JSON.textNode("image"),
                                    () -> JSON.objectNode(), () -> JSON.arrayNode().add("text"), () -> null))
                            : anything(random));
                }
            } else if (field.endsWith("At")) {
                set(payload, field, date(random));
            } else if (field.equals("_replay")) {
                set(payload, field, value(random, List.of(() -> JSON.booleanNode(true), () -> JSON.textNode("true"))));
            } else {
                set(payload, field, anything(random));
            }
        }
    }

    private static JsonNode anything(SplittableRandom random) {
        return value(random, List.of(
                () -> null, () -> JSON.nullNode(), () -> JSON.textNode(""), () -> JSON.textNode("123"),
                () -> JSON.textNode("a\u0000b"), () -> JSON.textNode("a\uD800b"), () -> JSON.textNode("😀".repeat(255)),
                () -> JSON.textNode("a".repeat(256)), () -> JSON.textNode("x" + " ".repeat(300)),
                () -> JSON.textNode("E".repeat(51)), () -> JSON.textNode("m".repeat(101)),
                () -> JSON.numberNode(0), () -> JSON.numberNode(123), () -> JSON.numberNode(-0.0),
                () -> JSON.numberNode(1e21), () -> JSON.numberNode(0.1), () -> JSON.numberNode(5e-324),
                () -> JSON.numberNode(new BigInteger("12345678901234567890")),
                () -> JSON.booleanNode(true), () -> JSON.booleanNode(false),
                () -> JSON.objectNode(), () -> JSON.objectNode().put("a", 1), () -> JSON.objectNode().put("toString", 1),
                () -> JSON.objectNode().put("k\u0000", 1), () -> JSON.objectNode().put("__proto__", 1),
                () -> JSON.arrayNode(), () -> JSON.arrayNode().add("a").add("b"), () -> JSON.arrayNode().add(true),
                () -> JSON.arrayNode().add(JSON.nullNode()).add(1), () -> JSON.arrayNode().add(JSON.objectNode()),
                () -> JSON.arrayNode().add("\u0000")));
    }

    private static JsonNode uuid(SplittableRandom random, UUID id) {
        String text = id.toString();
        return value(random, List.of(() -> JSON.textNode(text), () -> JSON.textNode(text.toUpperCase()),
                () -> JSON.textNode("{" + text + "}"), () -> JSON.textNode(text.replace("-", "")),
                () -> JSON.textNode("not-a-uuid"), () -> JSON.textNode(""), () -> JSON.textNode(text + "}"),
                () -> ((ArrayNode) JSON.arrayNode()).add(text), () -> JSON.booleanNode(true), () -> JSON.numberNode(5),
                () -> JSON.nullNode(), () -> null));
    }

    private static JsonNode date(SplittableRandom random) {
        return value(random, List.of(() -> JSON.numberNode(T0 + 0.75), () -> JSON.numberNode(-1.5),
                () -> JSON.textNode("2026-02-10T10:00:00.000Z"), () -> JSON.textNode("2026-02-10"),
                () -> JSON.textNode("2026-02-10T10:00:00+02:00"), () -> JSON.textNode("2026-02-10T10:00:00"),
                () -> JSON.textNode("2026-02-30T00:00:00Z"), () -> JSON.textNode("yesterday"),
                () -> JSON.textNode("1770717600123"), () -> JSON.numberNode(253_402_300_800_000L),
                () -> JSON.numberNode(-62_135_596_800_001L), () -> JSON.numberNode(253_402_300_799_999L),
                () -> JSON.numberNode(1e16), () -> JSON.nullNode(), () -> JSON.booleanNode(true), () -> JSON.objectNode(),
                () -> JSON.arrayNode().add("2026-02-10T10:00:00Z"), () -> JSON.arrayNode(), () -> null));
    }

    private static void set(ObjectNode target, String field, JsonNode value) {
        if (value == null) {
            target.remove(field);
        } else {
            target.set(field, value);
        }
    }

    private static JsonNode value(SplittableRandom random, List<Supplier<JsonNode>> choices) {
        return choices.get(random.nextInt(choices.size())).get();
    }

    private static <T> T pick(SplittableRandom random, List<T> values) {
        return values.get(random.nextInt(values.size()));
    }

    private static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
