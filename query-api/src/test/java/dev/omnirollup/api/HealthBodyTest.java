package dev.omnirollup.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The body of {@code /health} from a report, without a server: key order, nulls, and what is left out. */
class HealthBodyTest {
    static final Instant AT = Instant.parse("2026-02-12T15:37:00.120Z");
    static final HealthReport.Nats NATS_OK = new HealthReport.Nats(true, true, Optional.empty());
    static final LiveCounts.Instances INSTANCES = new LiveCounts.Instances(3, 2,
            Map.of("whatsapp-baileys", 2L, "discord", 1L), Set.of(UUID.randomUUID()));

    static HealthReport.Vitals vitals(HealthReport.Database database, HealthReport.Nats nats) {
        return new HealthReport.Vitals(database, nats, "1.2.3", 42, AT);
    }

    @Test
    void healthyWithEveryCheckAndTheInstances() {
        HealthReport report = new HealthReport(vitals(new HealthReport.Database(3, Optional.empty()), NATS_OK),
                new HealthReport.Ingest("omni-rollup", List.of(
                        new HealthReport.StreamProgress("MESSAGE", Optional.of(183L), Optional.of(264L),
                                Optional.of(206L), Optional.of(0L), Optional.of(11L), Optional.empty()),
                        new HealthReport.StreamProgress("AUTOMATION", Optional.empty(), Optional.empty(),
                                Optional.empty(), Optional.of(5L), Optional.of(0L),
                                Optional.of("5 messages waiting and nothing applied for ever")))),
                Optional.of(INSTANCES));
        assertEquals("{\"status\":\"healthy\",\"version\":\"1.2.3\",\"uptime\":42,\"timestamp\":\"2026-02-12T15:37:00.120Z\","
                + "\"checks\":{\"database\":{\"status\":\"ok\",\"latency\":3},"
                + "\"nats\":{\"status\":\"ok\",\"details\":{\"connected\":true,\"jetstream\":true}},"
                + "\"ingest\":{\"status\":\"error\",\"consumer\":\"omni-rollup\",\"streams\":{"
                + "\"MESSAGE\":{\"status\":\"ok\",\"lastSeq\":183,\"lastEventAgeMs\":264,\"lastAppliedAgeMs\":206,"
                + "\"lag\":0,\"ackPending\":11},"
                + "\"AUTOMATION\":{\"status\":\"error\",\"lastSeq\":null,\"lastEventAgeMs\":null,"
                + "\"lastAppliedAgeMs\":null,\"lag\":5,\"ackPending\":0,"
                + "\"error\":\"5 messages waiting and nothing applied for ever\"}}}},"
                + "\"instances\":{\"total\":3,\"connected\":2,\"byChannel\":{\"discord\":1,\"whatsapp-baileys\":2}}}",
                Json.write(HealthBody.of(report)));
        assertEquals(true, report.vitals().healthy());
    }

    @Test
    void degradedWithoutTheInstancesAndWithTheReasons() {
        HealthReport report = new HealthReport(
                vitals(new HealthReport.Database(5_001, Optional.of("Connection refused")),
                        new HealthReport.Nats(false, false, Optional.of("Not configured"))),
                new HealthReport.Ingest("c", List.of(new HealthReport.StreamProgress("MESSAGE", Optional.empty(),
                        Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                        Optional.of("database unavailable")))),
                Optional.empty());
        assertEquals("{\"status\":\"degraded\",\"version\":\"1.2.3\",\"uptime\":42,\"timestamp\":\"2026-02-12T15:37:00.120Z\","
                + "\"checks\":{\"database\":{\"status\":\"error\",\"latency\":5001,\"error\":\"Connection refused\"},"
                + "\"nats\":{\"status\":\"error\",\"details\":{\"connected\":false,\"jetstream\":false,"
                + "\"reason\":\"Not configured\"}},"
                + "\"ingest\":{\"status\":\"error\",\"consumer\":\"c\",\"streams\":{\"MESSAGE\":{\"status\":\"error\","
                + "\"lastSeq\":null,\"lastEventAgeMs\":null,\"lastAppliedAgeMs\":null,\"lag\":null,\"ackPending\":null,"
                + "\"error\":\"database unavailable\"}}}}}",
                Json.write(HealthBody.of(report)));
        assertEquals("degraded", report.vitals().status());
    }

    @Test
    void reportsThatCannotBeAreRefused() {
        HealthReport.Vitals down = vitals(new HealthReport.Database(1, Optional.of("down")), NATS_OK);
        HealthReport.Ingest none = new HealthReport.Ingest("c", List.of());
        assertThrows(IllegalArgumentException.class, () -> new HealthReport(down, none, Optional.of(INSTANCES)));
        assertThrows(IllegalArgumentException.class, () -> new HealthReport.Nats(false, true, Optional.empty()));
        assertThrows(IllegalArgumentException.class, () -> new HealthReport.Database(-1, Optional.empty()));
        assertThrows(IllegalArgumentException.class, () -> new HealthReport.Vitals(
                new HealthReport.Database(1, Optional.empty()), NATS_OK, "v", -1, AT));
    }
}
