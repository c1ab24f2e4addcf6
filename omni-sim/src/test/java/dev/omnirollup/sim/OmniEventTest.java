package dev.omnirollup.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class OmniEventTest {

    static final UUID INSTANCE = UUID.fromString("3f1c2a4e-0000-4000-8000-000000000001");

    @Test
    void envelopeHasUpstreamShapeAndKeyOrder() {
        OmniEvent e = OmniEvent.messageReceived("11111111-1111-4111-8111-111111111111", 1770645900123L,
                OmniEvent.Meta.plugin("evt-abc-12345678", INSTANCE, "whatsapp-baileys", "trace-1"), "3EB0AA",
                "5511@s.whatsapp.net", "5511@s.whatsapp.net",
                OmniEvent.content("text", Optional.of("hi"), Optional.empty(), Optional.empty()));
        assertEquals("message.received.whatsapp-baileys." + INSTANCE, e.subject());
        assertEquals("{\"id\":\"11111111-1111-4111-8111-111111111111\",\"type\":\"message.received\","
                + "\"payload\":{\"externalId\":\"3EB0AA\",\"chatId\":\"5511@s.whatsapp.net\","
                + "\"from\":\"5511@s.whatsapp.net\",\"content\":{\"type\":\"text\",\"text\":\"hi\"}},"
                + "\"timestamp\":1770645900123,\"metadata\":{\"correlationId\":\"evt-abc-12345678\","
                + "\"instanceId\":\"" + INSTANCE + "\",\"channelType\":\"whatsapp-baileys\",\"traceId\":\"trace-1\","
                + "\"source\":\"channel:whatsapp-baileys\"}}", new String(e.toJson(), StandardCharsets.UTF_8));
        assertEquals(e, OmniEvent.parse(e.subject(), e.toJson()));
    }

    @Test
    void subjectIsBareWithoutBothMetadataValues() {
        OmniEvent.Meta noInstance = new OmniEvent.Meta("c", Optional.empty(), Optional.of("discord"), "t", "s");
        OmniEvent sent = OmniEvent.messageSent("id", 1, noInstance, "x", "c", "c",
                OmniEvent.content("text", Optional.empty(), Optional.empty(), Optional.empty()));
        assertEquals("message.sent", sent.subject());
        OmniEvent failed = OmniEvent.messageFailed("id", 1, OmniEvent.Meta.process("c", "t", "omni-api"),
                Optional.empty(), "chat", "boom", Optional.empty(), false);
        assertEquals("message.failed", failed.subject());
        assertEquals("{\"chatId\":\"chat\",\"error\":\"boom\",\"retryable\":false}", failed.payload().toString());
    }

    @Test
    void automationAndInstanceEvents() {
        UUID automation = UUID.fromString("aaaaaaaa-0000-4000-8000-000000000001");
        OmniEvent.Meta meta = OmniEvent.Meta.process("c", "t", "automation-engine");
        OmniEvent executed = OmniEvent.automationExecuted("id", 5, meta, Optional.empty(), automation, "ev-1",
                "failed", List.of(new OmniEvent.ActionResult("webhook", "failed", Optional.empty(),
                        Optional.of("502"), 12)), OptionalLong.empty(), true);
        assertEquals("automation.executed.global", executed.subject());
        assertEquals("automation.executed", executed.type());
        assertEquals("{\"automationId\":\"" + automation + "\",\"eventId\":\"ev-1\",\"status\":\"failed\","
                + "\"actionsExecuted\":[{\"action\":\"webhook\",\"status\":\"failed\",\"error\":\"502\","
                + "\"durationMs\":12}],\"conditionsMatched\":true}", executed.payload().toString());
        OmniEvent queue = OmniEvent.automationQueue("id", 5, meta, INSTANCE.toString(), 1, 4);
        assertEquals("automation.queue." + INSTANCE, queue.subject());
        assertEquals("{\"instanceId\":\"" + INSTANCE + "\",\"activeCount\":1,\"pendingCount\":4}",
                queue.payload().toString());
        OmniEvent disconnected = OmniEvent.instanceDisconnected("id", 5,
                OmniEvent.Meta.plugin("c", INSTANCE, "discord", "t"), INSTANCE, "discord", Optional.of("Logged out"),
                false);
        assertEquals("instance.disconnected.discord." + INSTANCE, disconnected.subject());
        assertThrows(IllegalArgumentException.class, () -> OmniEvent.automationExecuted("id", 5, meta,
                Optional.empty(), automation, "e", "exploded", List.of(), OptionalLong.empty(), true));
    }

    @Test
    void envelopeOverridesArePublishedAndParsedBack() {
        OmniEvent e = OmniEvent.messageRead("id", 1_770_000_000_123L,
                OmniEvent.Meta.plugin("c", INSTANCE, "whatsapp-baileys", "t"), "x", "chat", 6);
        OmniEvent odd = e.withEnvelopeField("timestamp", DoubleNode.valueOf(1_770_000_000_123.5))
                .withEnvelopeField("id", LongNode.valueOf(42));
        String json = new String(odd.toJson(), StandardCharsets.UTF_8);
        assertTrue(json.startsWith("{\"id\":42,\"type\":\"message.read\""), json);
        assertTrue(json.contains("\"timestamp\":1.7700000001235E12"), json);
        assertEquals("42", odd.id());
        assertEquals(1_770_000_000_123L, odd.timestamp());
        assertEquals(odd, OmniEvent.parse(odd.subject(), odd.toJson()));
        OmniEvent iso = e.withEnvelopeField("timestamp", TextNode.valueOf("2026-02-02T02:40:00.123Z"));
        assertEquals(iso, OmniEvent.parse(iso.subject(), iso.toJson()));
        OmniEvent moved = odd.withTimestamp(5);
        assertTrue(!moved.overrides().has("timestamp") && moved.overrides().has("id"),
                "withTimestamp drops the timestamp override only");
        assertEquals(5, moved.timestamp());
        assertThrows(IllegalArgumentException.class, () -> e.withEnvelopeField("payload",
                NullNode.getInstance()));
    }

    @Test
    void isImmutable() {
        OmniEvent e = OmniEvent.messageRead("id", 7, OmniEvent.Meta.plugin("c", INSTANCE, "whatsapp-baileys", "t"),
                "x", "chat", 6);
        byte[] before = e.toJson();
        e.payload().put("externalId", "changed");
        e.metadata().removeAll();
        assertArrayEquals(before, e.toJson());
        assertEquals(BooleanNode.TRUE, e.withPayloadField("_replay", BooleanNode.TRUE).payload().get("_replay"));
        assertThrows(IllegalArgumentException.class, () -> e.withTimestamp(-1));
        assertThrows(IllegalArgumentException.class, () -> OmniEvent.parse("s", "[1]".getBytes(StandardCharsets.UTF_8)));
    }
}
