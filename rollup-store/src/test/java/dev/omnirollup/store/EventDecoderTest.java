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
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The decoder against the rules of docs/input-rules.md: what Omni stores is counted, what it loses is rejected. */
class EventDecoderTest {
    private static final long TS = 1_764_099_999_000L;
    private static final String INSTANCE = "3f1c2a9e-5b7d-4c1e-9a2b-1c2d3e4f5a6b";
    private static final String META = "{\"correlationId\":\"c\",\"instanceId\":\"" + INSTANCE
            + "\",\"channelType\":\"whatsapp-baileys\"}";
    private static final String RECEIVED = "message.received.whatsapp-baileys." + INSTANCE;
    private static final String SENT = "message.sent.whatsapp-baileys." + INSTANCE;
    private static final String FAILED = "message.failed.whatsapp-baileys." + INSTANCE;
    private static final String DELIVERED = "message.delivered.whatsapp-baileys." + INSTANCE;
    private static final String READ = "message.read.whatsapp-baileys." + INSTANCE;
    private final EventDecoder decoder = new EventDecoder(1024 * 1024);

    @Test
    void appliesUpstreamsPersistenceRules() {
        MessageEvent received = stored(RECEIVED, envelope("message.received",
                "{\"externalId\":\"m1\",\"chatId\":\"c\",\"content\":{\"type\":\"image\"}}", META));
        assertEquals(MessageKind.RECEIVED, received.kind());
        assertEquals(Optional.of(UUID.fromString(INSTANCE)), received.instanceId());
        assertEquals("whatsapp-baileys", received.channel());
        assertEquals(Optional.of("image"), received.contentType());
        assertEquals(Optional.of("m1"), received.externalId());
        assertEquals(TS, received.epochMs());

        MessageEvent edit = stored("message.received.signal." + INSTANCE, envelope("message.received",
                "{\"externalId\":\"m2\",\"content\":{\"type\":\"edit\"}}",
                "{\"instanceId\":\"" + INSTANCE + "\",\"channelType\":\"signal\"}"));
        assertEquals("discord", edit.channel(), "unknown channel falls back to discord");
        assertEquals(Optional.empty(), edit.contentType(), "edit is not storable");

        MessageEvent failed = stored(FAILED, envelope("message.failed",
                "{\"chatId\":\"c\",\"error\":\"boom\",\"errorCode\":\"TIMEOUT\",\"retryable\":true}", META));
        assertEquals(Optional.of("TIMEOUT"), failed.errorStage());
        assertEquals(Optional.empty(), failed.externalId());

        MessageEvent read = stored(READ, envelope("message.read",
                "{\"externalId\":\"m1\",\"chatId\":\"c\",\"readAt\":1764099998000}", META));
        assertEquals(MessageKind.READ, read.kind());
        assertEquals(Optional.of("m1"), read.externalId());
    }

    /** Odd shapes that Omni stores anyway: counted, with the values Omni stores. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', nullValues = "-", value = {
        // what|subject|payload|externalId|errorStage|contentType
        "numeric externalId|R|{'externalId':123,'content':{'type':'text'}}|123|-|text",
        "big numeric externalId|R|{'externalId':12345678901234567890,'content':{}}|12345678901234567000|-|-",
        "externalId 1e21|R|{'externalId':1e21,'content':{}}|1e+21|-|-",
        "boolean externalId|R|{'externalId':true,'content':{}}|true|-|-",
        "object externalId|R|{'externalId':{'a':1},'content':{}}|[object Object]|-|-",
        "array externalId|R|{'externalId':['a',['b',null]],'content':{}}|a,b,|-|-",
        "boolean-array externalId|R|{'externalId':[true,'x'],'content':{}}|false|-|-",
        "empty externalId|S|{'externalId':'','content':{}}|''|-|-",
        "null externalId|S|{'externalId':null,'content':{}}|-|-|-",
        "externalId with an unpaired surrogate|R|{'externalId':'a\\ud800','content':{}}|a\uFFFD|-|-",
        "externalId of 255 emoji (510 UTF-16 units)|R|{'externalId':'😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀','content':{}}|😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀|-|-",
        "string content|R|{'externalId':'x','content':'hello'}|x|-|-",
        "numeric content|S|{'externalId':'x','content':0}|x|-|-",
        "array content|R|{'externalId':'x','content':['text']}|x|-|-",
        "content without type|R|{'externalId':'x','content':{'text':'hi'}}|x|-|-",
        "object content type|R|{'externalId':'x','content':{'type':{'name':'text'}}}|x|-|-",
        "falsy non-string text|R|{'externalId':'x','content':{'type':'text','text':0}}|x|-|text",
        "text with NUL (sanitized)|R|{'externalId':'x','content':{'type':'text','text':'a\\u0000b'}}|x|-|text",
        "numeric chatId and replyToId|R|{'externalId':'x','chatId':5,'replyToId':{},'content':{}}|x|-|-",
        "rawPayload value with NUL (sanitized)|R|{'externalId':'x','content':{},'rawPayload':{'a':'\\u0000'}}|x|-|-",
        "rawPayload __proto__ key (dropped)|R|{'externalId':'x','content':{},'rawPayload':{'__proto__':{'\\u0000':1}}}|x|-|-",
        "sent ignores mimeType and rawPayload|S|{'externalId':'x','content':{'mimeType':'mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm'},'rawPayload':{'\\u0000':1}}|x|-|-",
        "empty errorCode|F|{'errorCode':''}|-|''|-",
        "numeric errorCode|F|{'errorCode':42,'externalId':7}|7|42|-",
        "object error|F|{'error':{'m':1},'errorCode':true}|-|true|-",
        "string payload of a failed|F|'oops'|-|-|-",
        "array payload of a failed|F|[1,2]|-|-|-",
    })
    void countsOddShapesOmniStores(String what, String subject, String payload, String externalId,
                                   String errorStage, String contentType) {
        String type = switch (subject) {
            case "R" -> "message.received";
            case "S" -> "message.sent";
            default -> "message.failed";
        };
        MessageEvent event = stored(type + ".whatsapp-baileys." + INSTANCE,
                envelope(type, payload.replace('\'', '"'), META));
        assertEquals(Optional.ofNullable(unquote(externalId)), event.externalId(), what);
        assertEquals(Optional.ofNullable(unquote(errorStage)), event.errorStage(), what);
        assertEquals(Optional.ofNullable(contentType), event.contentType(), what);
    }

    @Test
    void varcharsKeepWhatPostgresKeeps() {
        MessageEvent failed = stored(FAILED, envelope("message.failed",
                "{\"errorCode\":\"E" + " ".repeat(60) + "\"}", META));
        assertEquals(Optional.of("E" + " ".repeat(49)), failed.errorStage(), "spaces beyond the width are dropped");
        MessageEvent received = stored(RECEIVED, envelope("message.received",
                "{\"externalId\":\"x" + " ".repeat(300) + "\",\"content\":{}}", META));
        assertEquals(Optional.of("x" + " ".repeat(254)), received.externalId());
    }

    @Test
    void envelopesOmniAccepts() {
        String payload = "{\"externalId\":\"x\",\"content\":{}}";
        assertEquals(TS, stored(RECEIVED, body(1, "\"message.received\"", payload, "1764099999000.9", META)).epochMs());
        assertEquals(-1, stored(RECEIVED, body(1, "\"message.received\"", payload, "-1.5", META)).epochMs());
        assertEquals(0, stored(RECEIVED, body(1, "\"message.received\"", payload, "null", META)).epochMs());
        assertEquals(1, stored(RECEIVED, body(1, "\"message.received\"", payload, "true", META)).epochMs());
        assertEquals(Instant.parse("2026-02-09T10:00:00Z").toEpochMilli(), stored(RECEIVED,
                body(1, "\"message.received\"", payload, "\"2026-02-09T10:00:00.000Z\"", META)).epochMs());
        assertEquals(Instant.parse("2026-02-09T13:00:00Z").toEpochMilli(), stored(RECEIVED,
                body(1, "\"message.received\"", payload, "[\"2026-02-09T10:00:00-03:00\"]", META)).epochMs());
        assertEquals(Instant.parse("0001-01-01T00:00:00Z").toEpochMilli(), stored(RECEIVED,
                body(1, "\"message.received\"", payload, "-62135596800000", META)).epochMs());

        assertEquals("5", stored(RECEIVED, body(5, "\"message.received\"", payload, "1", META)).eventId());
        assertEquals("true", stored(RECEIVED, body(true, "\"message.received\"", payload, "1", META)).eventId());
        assertEquals("[object Object]", stored(RECEIVED, body("{}", "\"message.received\"", payload, "1", META))
                .eventId());

        MessageEvent mismatch = stored(RECEIVED, body(1, "\"message.sent\"", payload, "1", META));
        assertEquals(MessageKind.RECEIVED, mismatch.kind(), "the subject's consumer decides, not the type");
        assertEquals(MessageKind.SENT, stored(SENT, body(1, "\"custom.anything\"", payload, "1", META)).kind());
        assertEquals(MessageKind.READ, stored(READ, body(1, "\"system.x\"",
                "{\"externalId\":\"x\",\"readAt\":5}", "1", META)).kind());

        MessageEvent arrayMetadata = stored(RECEIVED, body(1, "\"message.received\"", payload, "1", "[1]"));
        assertEquals("discord", arrayMetadata.channel());
        assertEquals(Optional.empty(), arrayMetadata.instanceId());

        for (String form : new String[] {INSTANCE.toUpperCase(), "{" + INSTANCE + "}", INSTANCE.replace("-", ""),
            "3f1c-2a9e-5b7d-4c1e-9a2b-1c2d-3e4f-5a6b", "[\"" + INSTANCE + "\"]"}) {
            String instance = form.startsWith("[") ? form : "\"" + form + "\"";
            MessageEvent event = stored(RECEIVED, body(1, "\"message.received\"", payload, "1",
                    "{\"instanceId\":" + instance + "}"));
            assertEquals(Optional.of(UUID.fromString(INSTANCE)), event.instanceId(), form);
        }
    }

    @Test
    void receiptsWithoutAnExternalIdInsertTheirOwnRowAndOthersCompareAsText() {
        MessageEvent nullId = stored(DELIVERED, envelope("message.delivered",
                "{\"externalId\":null,\"deliveredAt\":null}", META));
        assertEquals(Optional.empty(), nullId.externalId(), "= NULL matches nothing: Omni inserts a row");
        assertEquals(Optional.of("123"), stored(READ, envelope("message.read",
                "{\"externalId\":123,\"readAt\":1}", META)).externalId());
        assertEquals(Optional.of("a,b"), stored(DELIVERED, envelope("message.delivered",
                "{\"externalId\":[\"a\",\"b\"],\"deliveredAt\":1}", META)).externalId());
        assertEquals(Optional.empty(), stored(DELIVERED, envelope("message.delivered",
                "{\"externalId\":\"x" + " ".repeat(300) + "\",\"deliveredAt\":1}", META)).externalId(),
                "longer than the column only by spaces: matches nothing, inserts a row with the cut id");
        // fields the receipt handlers never write
        stored(DELIVERED, envelope("message.delivered", "{\"externalId\":\"x\",\"deliveredAt\":1,"
                + "\"rawPayload\":{\"\\u0000\":1},\"content\":null}",
                "{\"instanceId\":\"" + INSTANCE + "\",\"personId\":\"nope\",\"correlationId\":\"\\u0000\"}"));
        stored(FAILED, envelope("message.failed", "{\"to\":\"\\u0000\"}",
                "{\"platformIdentityId\":\"nope\"}"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        // bus: terminated
        "id missing|R|{'type':'message.received','payload':{},'timestamp':1,'metadata':{}}|id is missing",
        "id empty|R|{'id':'','type':'message.received','payload':{},'timestamp':1,'metadata':{}}|id is missing",
        "id zero|R|{'id':0,'type':'message.received','payload':{},'timestamp':1,'metadata':{}}|id is missing",
        "id false|R|{'id':false,'type':'message.received','payload':{},'timestamp':1,'metadata':{}}|id is missing",
        "type missing|R|{'id':1,'payload':{},'timestamp':1,'metadata':{}}|type is missing",
        "payload missing|R|{'id':1,'type':'message.received','timestamp':1,'metadata':{}}|payload is missing",
        "not an object|R|[1,2]|not an object",
        // bus: dead-lettered
        "type not a string|R|{'id':1,'type':5,'payload':{},'timestamp':1,'metadata':{}}|type is a number",
        "unknown type|R|{'id':1,'type':'message.exploded','payload':{},'timestamp':1,'metadata':{}}|not a core",
        "metadata missing|R|{'id':1,'type':'message.received','payload':{'content':{}},'timestamp':1}|metadata is missing",
        "metadata null|F|{'id':1,'type':'message.failed','payload':{},'timestamp':1,'metadata':null}|metadata is a JSON null",
        "metadata string|F|{'id':1,'type':'message.failed','payload':{},'timestamp':1,'metadata':'x'}|metadata is a JSON string",
        // handlers: thrown, logged, acknowledged
        "payload null|F|{'id':1,'type':'message.failed','payload':null,'timestamp':1,'metadata':{}}|payload is null",
        "content missing|R|{'id':1,'type':'message.received','payload':{'externalId':'x'},'timestamp':1,'metadata':{}}|payload.content is missing",
        "content null|S|{'id':1,'type':'message.sent','payload':{'content':null},'timestamp':1,'metadata':{}}|payload.content is null",
        "array payload of a received|R|{'id':1,'type':'message.received','payload':[],'timestamp':1,'metadata':{}}|payload.content is missing",
        "numeric text|R|{'id':1,'type':'message.received','payload':{'content':{'text':5}},'timestamp':1,'metadata':{}}|payload.content.text is a number",
        "array text|S|{'id':1,'type':'message.sent','payload':{'content':{'text':[]}},'timestamp':1,'metadata':{}}|payload.content.text is an array",
        "timestamp missing|R|{'id':1,'type':'message.received','payload':{'content':{}},'metadata':{}}|timestamp is missing",
        "timestamp object|R|{'id':1,'type':'message.received','payload':{'content':{}},'timestamp':{},'metadata':{}}|timestamp is an object",
        "timestamp digits string|R|{'id':1,'type':'message.received','payload':{'content':{}},'timestamp':'1764099999000','metadata':{}}|timestamp is '1764099999000'",
        "timestamp local|R|{'id':1,'type':'message.received','payload':{'content':{}},'timestamp':'2026-02-09T10:00:00','metadata':{}}|local time zone",
        "timestamp year 0|R|{'id':1,'type':'message.received','payload':{'content':{}},'timestamp':-62135596800001,'metadata':{}}|years 1 to 9999",
        "timestamp year 10000|F|{'id':1,'type':'message.failed','payload':{},'timestamp':253402300800000,'metadata':{}}|years 1 to 9999",
        "timestamp too far|F|{'id':1,'type':'message.failed','payload':{},'timestamp':1e16,'metadata':{}}|date range",
        "externalId NUL|R|{'id':1,'type':'message.received','payload':{'externalId':'a\\u0000','content':{}},'timestamp':1,'metadata':{}}|payload.externalId contains NUL",
        "externalId 256|S|{'id':1,'type':'message.sent','payload':{'externalId':'0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef','content':{}},'timestamp':1,'metadata':{}}|payload.externalId is 256 characters",
        "externalId unconvertible|F|{'id':1,'type':'message.failed','payload':{'externalId':{'toString':1}},'timestamp':1,'metadata':{}}|own toString",
        "chatId 256|F|{'id':1,'type':'message.failed','payload':{'chatId':'0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'},'timestamp':1,'metadata':{}}|payload.chatId is 256",
        "replyToId NUL|R|{'id':1,'type':'message.received','payload':{'replyToId':'\\u0000','content':{}},'timestamp':1,'metadata':{}}|payload.replyToId contains NUL",
        "mimeType 101|R|{'id':1,'type':'message.received','payload':{'content':{'mimeType':'mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm'}},'timestamp':1,'metadata':{}}|payload.content.mimeType is 101",
        "mediaUrl NUL|S|{'id':1,'type':'message.sent','payload':{'content':{'mediaUrl':'\\u0000'}},'timestamp':1,'metadata':{}}|payload.content.mediaUrl contains NUL",
        "errorCode 51|F|{'id':1,'type':'message.failed','payload':{'errorCode':'EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE'},'timestamp':1,'metadata':{}}|payload.errorCode is 51",
        "error NUL|F|{'id':1,'type':'message.failed','payload':{'error':'\\u0000'},'timestamp':1,'metadata':{}}|payload.error contains NUL",
        "instanceId empty|R|{'id':1,'type':'message.received','payload':{'content':{}},'timestamp':1,'metadata':{'instanceId':''}}|metadata.instanceId '' is not a UUID",
        "instanceId junk|F|{'id':1,'type':'message.failed','payload':{},'timestamp':1,'metadata':{'instanceId':'not-a-uuid'}}|not a UUID",
        "instanceId number|F|{'id':1,'type':'message.failed','payload':{},'timestamp':1,'metadata':{'instanceId':5}}|not a UUID",
        "instanceId boolean|F|{'id':1,'type':'message.failed','payload':{},'timestamp':1,'metadata':{'instanceId':true}}|metadata.instanceId is a boolean",
        "personId junk|F|{'id':1,'type':'message.failed','payload':{},'timestamp':1,'metadata':{'personId':'x'}}|metadata.personId",
        "platformIdentityId junk|S|{'id':1,'type':'message.sent','payload':{'content':{}},'timestamp':1,'metadata':{'platformIdentityId':'x'}}|metadata.platformIdentityId",
        "correlationId NUL|F|{'id':1,'type':'message.failed','payload':{},'timestamp':1,'metadata':{'correlationId':'\\u0000'}}|metadata.correlationId holds NUL",
        "from with unpaired surrogate|R|{'id':1,'type':'message.received','payload':{'content':{},'from':'\\udc00'},'timestamp':1,'metadata':{}}|payload.from holds",
        "to key with NUL|S|{'id':1,'type':'message.sent','payload':{'content':{},'to':{'\\u0000':1}},'timestamp':1,'metadata':{}}|payload.to holds",
        "retryable NUL|F|{'id':1,'type':'message.failed','payload':{'retryable':['\\u0000']},'timestamp':1,'metadata':{}}|payload.retryable holds",
        "rawPayload key NUL|R|{'id':1,'type':'message.received','payload':{'content':{},'rawPayload':[{'k\\u0000':1}]},'timestamp':1,'metadata':{}}|payload.rawPayload has a key",
        // receipts
        "delivered without externalId|D|{'id':1,'type':'message.delivered','payload':{'deliveredAt':1},'timestamp':1,'metadata':{}}|payload.externalId is missing",
        "delivered boolean externalId|D|{'id':1,'type':'message.delivered','payload':{'externalId':true,'deliveredAt':1},'timestamp':1,'metadata':{}}|payload.externalId is a boolean",
        "read boolean-array externalId|E|{'id':1,'type':'message.read','payload':{'externalId':[false],'readAt':1},'timestamp':1,'metadata':{}}|payload.externalId is a boolean",
        "delivered externalId NUL|D|{'id':1,'type':'message.delivered','payload':{'externalId':'\\u0000','deliveredAt':1},'timestamp':1,'metadata':{}}|contains NUL",
        "delivered externalId 256|D|{'id':1,'type':'message.delivered','payload':{'externalId':'0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef','deliveredAt':1},'timestamp':1,'metadata':{}}|256 characters",
        "delivered without deliveredAt|D|{'id':1,'type':'message.delivered','payload':{'externalId':'x'},'timestamp':1,'metadata':{}}|payload.deliveredAt is missing",
        "read with a text readAt|E|{'id':1,'type':'message.read','payload':{'externalId':'x','readAt':'yesterday'},'timestamp':1,'metadata':{}}|payload.readAt is 'yesterday'",
        "delivered string payload|D|{'id':1,'type':'message.delivered','payload':'x','timestamp':1,'metadata':{}}|payload.deliveredAt is missing",
        "delivered chatId 256|D|{'id':1,'type':'message.delivered','payload':{'externalId':'x','deliveredAt':1,'chatId':'0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'},'timestamp':1,'metadata':{}}|payload.chatId is 256",
        "read bad instanceId|E|{'id':1,'type':'message.read','payload':{'externalId':'x','readAt':1},'timestamp':1,'metadata':{'instanceId':'x'}}|metadata.instanceId",
        "read bad timestamp|E|{'id':1,'type':'message.read','payload':{'externalId':'x','readAt':1},'timestamp':'x','metadata':{}}|timestamp is 'x'",
        // our own protections
        "random bytes|R|\u0001\u0002garbage|invalid JSON",
        "truncated|R|{'id':'a','type':'mess|invalid JSON",
        "trailing garbage|R|{'id':1,'type':'message.received','payload':{'content':{}},'timestamp':1,'metadata':{}} x|invalid JSON",
        "two envelopes|R|{}{}|invalid JSON",
    })
    void rejectsWhatOmniLosesWithAReasonNamingTheField(String what, String subject, String body, String reason) {
        String full = switch (subject) {
            case "R" -> RECEIVED;
            case "S" -> SENT;
            case "F" -> FAILED;
            case "D" -> DELIVERED;
            default -> READ;
        };
        Rejected rejected = assertInstanceOf(Rejected.class, decode(full, body.replace('\'', '"')), what);
        assertTrue(rejected.reason().contains(reason), what + ": " + rejected.reason());
    }

    @Test
    void skipsWhatUpstreamNeverPersists() {
        assertInstanceOf(Ignored.class, decode("message.received",
                envelope("message.received", "{\"externalId\":\"m\"}", "{}")));
        assertInstanceOf(Ignored.class, decode("message.exploded.discord." + INSTANCE,
                envelope("message.exploded", "{}", "{}")), "no persistence consumer for the subject");
        assertInstanceOf(Ignored.class, decode("message.received.discord." + INSTANCE,
                envelope("message.received", "{\"externalId\":\"m\",\"_replay\":true}", "{}")));
        assertInstanceOf(Ignored.class, decode("message.sent.discord." + INSTANCE,
                envelope("message.sent", "{\"externalId\":\"m\"}", "{\"source\":\"replay\"}")));
    }

    @Test
    void malformedUtf8IsReplacedAsOmniDecodesIt() {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}); // a BOM, which TextDecoder drops
        body.writeBytes(envelope("message.received", "{\"externalId\":\"a#b\",\"content\":{}}", META)
                .getBytes(StandardCharsets.UTF_8));
        byte[] bytes = body.toByteArray();
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '#') {
                bytes[i] = (byte) 0xFF;
            }
        }
        MessageEvent event = (MessageEvent) decoder.decode(new InboundMessage(RECEIVED, bytes, 1));
        assertEquals(Optional.of("a\uFFFDb"), event.externalId());

        body.reset();
        body.writeBytes(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
        body.writeBytes(envelope("message.received", "{\"externalId\":\"bom\",\"content\":{}}", META)
                .getBytes(StandardCharsets.UTF_8));
        assertEquals(Optional.of("bom"), ((MessageEvent) decoder.decode(new InboundMessage(RECEIVED,
                body.toByteArray(), 1))).externalId(), "a byte order mark alone is dropped too");
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
        assertEquals(5, ((QueueSnapshot) decode("automation.queue.global", body("\"q\"", "\"automation.queue\"",
                "{\"instanceId\":\"global\",\"activeCount\":0,\"pendingCount\":0}", "5", "{}"))).epochMs(),
                "no lower bound on timestamps any more");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "string timestamp|automation.queue.global|{'id':'a','type':'automation.queue','payload':{},'timestamp':'now'}|not an integer",
        "year 10000|automation.queue.global|{'id':'a','type':'automation.queue','payload':{},'timestamp':253402300800000}|years 1 to 9999",
        "mismatch|instance.connected.discord.x|{'id':'a','type':'instance.disconnected','payload':{},'timestamp':1}|does not match",
        "bad status|automation.executed.global|{'id':'a','type':'automation.executed','payload':{'automationId':'3f1c2a9e-5b7d-4c1e-9a2b-1c2d3e4f5a6b','eventId':'e','status':'meh'},'timestamp':1764099999000}|not success, failed or skipped",
        "negative time|automation.executed.global|{'id':'a','type':'automation.executed','payload':{'automationId':'3f1c2a9e-5b7d-4c1e-9a2b-1c2d3e4f5a6b','eventId':'e','status':'success','executionTimeMs':-4},'timestamp':1764099999000}|out of range",
        "foreign subject|media.received.x.y|{}|not a message, automation or instance subject",
    })
    void rejectsMalformedAutomationAndInstanceEvents(String what, String subject, String body, String reason) {
        Rejected rejected = assertInstanceOf(Rejected.class, decode(subject, body.replace('\'', '"')), what);
        assertTrue(rejected.reason().contains(reason), what + ": " + rejected.reason());
    }

    @Test
    void rejectsDeepNestingAndOversizedBodies() {
        String deep = "[".repeat(10_000) + "]".repeat(10_000);
        assertTrue(((Rejected) decode(SENT, deep)).reason().startsWith("invalid JSON"));
        EventDecoder small = new EventDecoder(100);
        Decoded big = small.decode(new InboundMessage(SENT, new byte[101], 1));
        assertTrue(((Rejected) big).reason().contains("exceeds the limit of 100"));
    }

    private MessageEvent stored(String subject, String body) {
        Decoded decoded = decode(subject, body);
        return assertInstanceOf(MessageEvent.class, decoded, () -> decoded.toString());
    }

    private Decoded decode(String subject, String body) {
        return decoder.decode(new InboundMessage(subject, body.getBytes(StandardCharsets.UTF_8), 1));
    }

    private static String envelope(String type, String payload, String metadata) {
        return body("\"" + UUID.randomUUID() + "\"", "\"" + type + "\"", payload, Long.toString(TS), metadata);
    }

    private static String body(Object id, String type, String payload, String timestamp, String metadata) {
        return "{\"id\":" + id + ",\"type\":" + type + ",\"payload\":" + payload + ",\"timestamp\":" + timestamp
                + ",\"metadata\":" + metadata + "}";
    }

    private static String unquote(String value) {
        return value == null ? null : value.equals("''") ? "" : value;
    }
}
