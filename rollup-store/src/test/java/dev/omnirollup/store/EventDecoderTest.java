package dev.omnirollup.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omnirollup.store.Decoded.AutomationExecution;
import dev.omnirollup.store.Decoded.Ignored;
import dev.omnirollup.store.Decoded.MessageEvent;
import dev.omnirollup.store.Decoded.MessageKind;
import dev.omnirollup.store.Decoded.QueueSnapshot;
import dev.omnirollup.store.Decoded.Rejected;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EventDecoderTest {
    private static final long NOW = 1_764_100_000_000L;
    private static final String INSTANCE = "3f1c2a9e-5b7d-4c1e-9a2b-1c2d3e4f5a6b";
    private final EventDecoder decoder = new EventDecoder(1024 * 1024, 86_400_000);

    @Test
    void appliesUpstreamsPersistenceRules() {
        MessageEvent received = (MessageEvent) decode("message.received.whatsapp-baileys." + INSTANCE,
                envelope("message.received", "{\"externalId\":\"m1\",\"chatId\":\"c\",\"content\":{\"type\":\"image\"}}",
                        "{\"instanceId\":\"" + INSTANCE + "\",\"channelType\":\"whatsapp-baileys\"}"));
        assertEquals(MessageKind.RECEIVED, received.kind());
        assertEquals(Optional.of(UUID.fromString(INSTANCE)), received.instanceId());
        assertEquals("whatsapp-baileys", received.channel());
        assertEquals(Optional.of("image"), received.contentType());
        assertEquals(Optional.of("m1"), received.externalId());
        assertEquals(NOW - 1000, received.epochMs());

        MessageEvent edit = (MessageEvent) decode("message.received.signal." + INSTANCE,
                envelope("message.received", "{\"externalId\":\"m2\",\"content\":{\"type\":\"edit\"}}",
                        "{\"instanceId\":\"" + INSTANCE + "\",\"channelType\":\"signal\"}"));
        assertEquals("discord", edit.channel(), "unknown channel falls back to discord");
        assertEquals(Optional.empty(), edit.contentType(), "edit is not storable");

        MessageEvent failed = (MessageEvent) decode("message.failed.telegram." + INSTANCE,
                envelope("message.failed", "{\"chatId\":\"c\",\"error\":\"boom\",\"errorCode\":\"TIMEOUT\",\"retryable\":true}",
                        "{\"instanceId\":\"" + INSTANCE + "\",\"channelType\":\"telegram\"}"));
        assertEquals(Optional.of("TIMEOUT"), failed.errorStage());
        assertEquals(Optional.empty(), failed.externalId());
    }

    @Test
    void skipsWhatUpstreamNeverPersists() {
        assertInstanceOf(Ignored.class, decode("message.received",
                envelope("message.received", "{\"externalId\":\"m\"}", "{}")));
        assertInstanceOf(Ignored.class, decode("message.received.discord." + INSTANCE,
                envelope("message.received", "{\"externalId\":\"m\",\"_replay\":true}", "{}")));
        assertInstanceOf(Ignored.class, decode("message.sent.discord." + INSTANCE,
                envelope("message.sent", "{\"externalId\":\"m\"}", "{\"source\":\"replay\"}")));
    }

    @Test
    void decodesAutomationEvents() {
        AutomationExecution execution = (AutomationExecution) decode("automation.executed.global",
                envelope("automation.executed", "{\"automationId\":\"" + INSTANCE + "\",\"eventId\":\"e\",\"status\":\"failed\","
                        + "\"actionsExecuted\":[{},{}],\"executionTimeMs\":12,\"conditionsMatched\":true}", "{}"));
        assertEquals("failed", execution.status());
        assertEquals(2, execution.actions());
        assertEquals(Optional.of(12L), execution.executionTimeMs());
        QueueSnapshot queue = (QueueSnapshot) decode("automation.queue." + INSTANCE,
                envelope("automation.queue", "{\"instanceId\":\"" + INSTANCE + "\",\"activeCount\":1,\"pendingCount\":4}", "{}"));
        assertEquals(4, queue.pendingCount());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "random bytes|message.sent.discord.x|\u0001\u0002garbage|invalid JSON",
        "truncated|message.sent.discord.x|{\"id\":\"a\",\"type\":\"mess|invalid JSON",
        "array|message.sent.discord.x|[1,2]|not an object",
        "missing id|message.sent.discord.x|{\"type\":\"message.sent\",\"payload\":{},\"timestamp\":1764099999000}|id is missing",
        "missing payload|message.sent.discord.x|{\"id\":\"a\",\"type\":\"message.sent\",\"timestamp\":1764099999000}|payload",
        "missing timestamp|message.sent.discord.x|{\"id\":\"a\",\"type\":\"message.sent\",\"payload\":{}}|timestamp is missing",
        "string timestamp|message.sent.discord.x|{\"id\":\"a\",\"type\":\"message.sent\",\"payload\":{},\"timestamp\":\"now\"}|not an integer",
        "1970|message.sent.discord.x|{\"id\":\"a\",\"type\":\"message.sent\",\"payload\":{},\"timestamp\":5}|out of range",
        "9999|message.sent.discord.x|{\"id\":\"a\",\"type\":\"message.sent\",\"payload\":{},\"timestamp\":253402300799000}|out of range",
        "unknown type|message.exploded.discord.x|{\"id\":\"a\",\"type\":\"message.exploded\",\"payload\":{},\"timestamp\":1764099999000}|unknown event type",
        "mismatch|message.sent.discord.x|{\"id\":\"a\",\"type\":\"message.read\",\"payload\":{},\"timestamp\":1764099999000}|does not match",
        "externalId number|message.sent.discord.x|{\"id\":\"a\",\"type\":\"message.sent\",\"payload\":{\"externalId\":5},\"timestamp\":1764099999000}|payload.externalId is a number",
        "missing externalId|message.read.discord.x|{\"id\":\"a\",\"type\":\"message.read\",\"payload\":{},\"timestamp\":1764099999000}|payload.externalId is missing",
        "bad uuid|message.sent.discord.x|{\"id\":\"a\",\"type\":\"message.sent\",\"payload\":{\"externalId\":\"m\"},\"timestamp\":1764099999000,\"metadata\":{\"instanceId\":\"not-a-uuid\"}}|not a UUID",
        "content type object|message.sent.discord.x|{\"id\":\"a\",\"type\":\"message.sent\",\"payload\":{\"externalId\":\"m\",\"content\":{\"type\":{}}},\"timestamp\":1764099999000}|payload.content.type",
        "bad status|automation.executed.global|{\"id\":\"a\",\"type\":\"automation.executed\",\"payload\":{\"automationId\":\"3f1c2a9e-5b7d-4c1e-9a2b-1c2d3e4f5a6b\",\"eventId\":\"e\",\"status\":\"meh\"},\"timestamp\":1764099999000}|not success, failed or skipped",
        "negative time|automation.executed.global|{\"id\":\"a\",\"type\":\"automation.executed\",\"payload\":{\"automationId\":\"3f1c2a9e-5b7d-4c1e-9a2b-1c2d3e4f5a6b\",\"eventId\":\"e\",\"status\":\"success\",\"executionTimeMs\":-4},\"timestamp\":1764099999000}|out of range",
    })
    void rejectsPoisonWithAReasonNamingTheProblem(String kind, String subject, String body, String reason) {
        Rejected rejected = assertInstanceOf(Rejected.class, decode(subject, body), kind);
        assertTrue(rejected.reason().contains(reason), kind + ": " + rejected.reason());
    }

    @Test
    void rejectsDeepNestingAndOversizedBodies() {
        String deep = "[".repeat(10_000) + "]".repeat(10_000);
        assertTrue(((Rejected) decode("message.sent.discord.x", deep)).reason().startsWith("invalid JSON"));
        EventDecoder small = new EventDecoder(100, 0);
        Decoded big = small.decode(new InboundMessage("message.sent.discord.x", new byte[101], 1), NOW);
        assertTrue(((Rejected) big).reason().contains("exceeds the limit of 100"));
    }

    private Decoded decode(String subject, String body) {
        return decoder.decode(new InboundMessage(subject, body.getBytes(StandardCharsets.UTF_8), 1), NOW);
    }

    private static String envelope(String type, String payload, String metadata) {
        return "{\"id\":\"" + UUID.randomUUID() + "\",\"type\":\"" + type + "\",\"payload\":" + payload
                + ",\"timestamp\":" + (NOW - 1000) + ",\"metadata\":" + metadata + "}";
    }
}
