package dev.omnirollup.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.Test;

class PoisonGeneratorTest {

    static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void everyKindIsDeterministicAndReallyMalformed() throws Exception {
        List<PoisonGenerator.Poison> poison = PoisonGenerator.generate(7, 60);
        assertEquals(poison, PoisonGenerator.generate(7, 60));
        assertEquals(Set.copyOf(PoisonGenerator.KINDS),
                poison.stream().map(PoisonGenerator.Poison::kind).collect(Collectors.toSet()));
        assertEquals(poison.size(), poison.stream().map(PoisonGenerator.Poison::subject).distinct().count(),
                "every message has a subject of its own");
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
                }
            }
        }
    }

    /**
     * Omni loses every kind but those of {@link PoisonGenerator#OUR_LIMITS}, each for its own reason: the reference
     * persistence (with every instance in place, so no foreign key decides) stores nothing for them, and stores the
     * events that only break our limits.
     */
    @Test
    void omniLosesThemAllButTheOnesOnlyOurLimitsRefuse() throws SQLException {
        List<PoisonGenerator.Poison> poison = PoisonGenerator.oneOfEach(3, 64 * 1024);
        try (ScratchDatabase db = ScratchDatabase.create().withOmniSchema(); Handle c = db.jdbi().open()) {
            ReferencePersistence persistence = new ReferencePersistence(c);
            for (PoisonGenerator.Poison p : poison) {
                String[] subject = p.subject().split("\\.");
                if (subject.length == 4 && subject[3].length() == 36) {
                    persistence.ensureInstances(List.of(new Instance(UUID.fromString(subject[3]), "i-" + subject[3],
                            subject[2])));
                }
            }
            for (PoisonGenerator.Poison p : poison) {
                ReferencePersistence.Stats stats = persistence.applyPublished(
                        List.of(new ReferencePersistence.Published(p.subject(), p.body())));
                if (PoisonGenerator.OUR_LIMITS.contains(p.kind())) {
                    assertEquals(1, stats.inserted(), p + " is stored by Omni: " + stats);
                } else {
                    assertEquals(new ReferencePersistence.Stats(0, 0, 0, 1, 0, 0), stats, p + " is lost by Omni");
                }
            }
            assertEquals(List.of(Integer.toString(2 * PoisonGenerator.OUR_LIMITS.size())),
                    ScratchDatabaseTest.strings(c.getConnection(), "SELECT count(*) FROM omni_events"));
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
