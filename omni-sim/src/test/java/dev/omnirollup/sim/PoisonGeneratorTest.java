package dev.omnirollup.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class PoisonGeneratorTest {

    static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void everyKindIsDeterministicAndReallyMalformed() throws Exception {
        List<PoisonGenerator.Poison> poison = PoisonGenerator.generate(7, 60);
        assertEquals(poison, PoisonGenerator.generate(7, 60));
        assertEquals(Set.copyOf(PoisonGenerator.KINDS),
                poison.stream().map(PoisonGenerator.Poison::kind).collect(Collectors.toSet()));
        for (PoisonGenerator.Poison p : poison) {
            String[] subject = p.subject().split("\\.");
            assertTrue(subject.length >= 3, p.toString());
            switch (p.kind()) {
                case "bad-json" -> assertThrows(Exception.class, () -> MAPPER.readTree(p.body()), p.toString());
                case "deep-nesting" -> {
                    assertTrue(p.body().length > 2 * PoisonGenerator.NESTING_DEPTH);
                    // Jackson's default nesting limit (1000) rejects it
                    assertThrows(Exception.class, () -> MAPPER.readTree(p.body()));
                }
                case "huge-string" -> assertTrue(p.body().length > 2 * 1024 * 1024, p.toString());
                case "not-an-object" -> assertTrue(!MAPPER.readTree(p.body()).isObject());
                case "bad-automation-status" -> {
                    assertEquals("automation", subject[0]);
                    String status = MAPPER.readTree(p.body()).path("payload").path("status").asText();
                    assertTrue(!List.of("success", "failed", "skipped").contains(status), status);
                }
                default -> {
                    JsonNode root = MAPPER.readTree(p.body());
                    assertTrue(root.isObject(), p.toString());
                    assertEquals("message", subject[0], p.toString());
                    check(p, root, subject);
                }
            }
        }
    }

    private static void check(PoisonGenerator.Poison p, JsonNode root, String[] subject) {
        switch (p.kind()) {
            case "missing-id" -> assertTrue(!root.has("id"));
            case "missing-type" -> assertTrue(!root.has("type"));
            case "missing-payload" -> assertTrue(!root.has("payload"));
            case "missing-timestamp" -> assertTrue(!root.has("timestamp"));
            case "timestamp-not-number" -> assertTrue(root.get("timestamp").isTextual());
            case "timestamp-out-of-range" -> {
                long ts = root.get("timestamp").asLong();
                assertTrue(ts < 946_684_800_000L || ts > 4_102_444_800_000L, "ts " + ts);
            }
            case "wrong-type" -> assertTrue(root.path("payload").path("externalId").isNumber()
                    || root.path("payload").path("content").path("type").isObject());
            case "unknown-event-type" -> assertEquals("exploded", subject[1]);
            case "invalid-instance-uuid" -> {
                assertEquals("not-a-uuid", root.path("metadata").path("instanceId").asText());
                assertEquals("not-a-uuid", subject[3]);
            }
            case "type-subject-mismatch" -> assertTrue(!root.get("type").asText().equals(subject[0] + "." + subject[1]));
            default -> throw new AssertionError("unexpected kind " + p.kind());
        }
    }

    @Test
    void hugeBodySizeIsConfigurable() {
        List<PoisonGenerator.Poison> small = PoisonGenerator.oneOfEach(1, 100_000);
        assertEquals(PoisonGenerator.KINDS.size() * 2, small.size());
        small.stream().filter(p -> p.kind().equals("huge-string")).forEach(p -> {
            assertTrue(p.body().length > 100_000 && p.body().length < 101_000, p.toString());
            assertTrue(new String(p.body(), StandardCharsets.UTF_8).startsWith("{\"id\":"));
        });
        assertThrows(IllegalArgumentException.class, () -> PoisonGenerator.generate(1, 1, 10));
    }
}
