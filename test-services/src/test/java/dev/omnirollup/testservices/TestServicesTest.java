package dev.omnirollup.testservices;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omnirollup.testservices.Choice.Source;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** The decision of {@link TestServices}, every branch, without Docker or network (the probe uses loopback only). */
class TestServicesTest {
    private static final String PG_URL = "jdbc:postgresql://db.example:6543/omni?user=u&password=p";
    private static final String NATS_URL = "nats://nats.example:4333";

    @Test
    void aSetVariableIsUsedAsIsWhateverElseIsThere() {
        for (boolean local : new boolean[] {false, true}) {
            for (boolean docker : new boolean[] {false, true}) {
                assertEquals(Choice.env(PG_URL), TestServices.choose(Service.POSTGRESQL, PG_URL, local, docker));
                assertEquals(Choice.env(NATS_URL), TestServices.choose(Service.NATS, NATS_URL, local, docker));
            }
        }
        // as is: not trimmed, not normalized, not checked (a wrong value fails where it is used, naming it)
        assertEquals(Choice.env(" postgres://u@h/db "),
                TestServices.choose(Service.POSTGRESQL, " postgres://u@h/db ", true, true));
        assertEquals(Choice.env("nats://127.0.0.1:1"), TestServices.choose(Service.NATS, "nats://127.0.0.1:1", true,
                true));
    }

    @Test
    void unsetTheLocalDefaultWhenItAnswers() {
        for (boolean docker : new boolean[] {false, true}) {
            assertEquals(new Choice(Source.LOCAL_DEFAULT, "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres", null),
                    TestServices.choose(Service.POSTGRESQL, null, true, docker));
            assertEquals(new Choice(Source.LOCAL_DEFAULT, "nats://127.0.0.1:4222", null),
                    TestServices.choose(Service.NATS, null, true, docker));
        }
    }

    @Test
    void aBlankVariableCountsAsUnset() {
        assertEquals(Choice.localDefault(TestServices.POSTGRES_DEFAULT),
                TestServices.choose(Service.POSTGRESQL, "", true, false));
        assertEquals(Choice.docker(), TestServices.choose(Service.NATS, "  ", false, true));
    }

    @Test
    void unsetAndSilentAContainerWhenDockerIsThere() {
        Choice pg = TestServices.choose(Service.POSTGRESQL, null, false, true);
        assertEquals(Source.DOCKER, pg.source());
        assertNull(pg.url(), "the URL is the started container's");
        assertEquals(Choice.docker(), TestServices.choose(Service.NATS, null, false, true));
        assertEquals("jdbc:postgresql://localhost:32768/postgres?user=postgres&password=postgres",
                pg.started("jdbc:postgresql://localhost:32768/postgres?user=postgres&password=postgres").url());
    }

    @Test
    void nothingAtAllOneLineNamingWhatIsMissing() {
        Choice pg = TestServices.choose(Service.POSTGRESQL, null, false, false);
        assertEquals(Choice.none("no PostgreSQL for the tests: OMNI_ROLLUP_TEST_PG is unset, nothing answers on "
                + "127.0.0.1:5432, and no Docker engine was found (start PostgreSQL 15+ or Docker)"), pg);
        Choice nats = TestServices.choose(Service.NATS, null, false, false);
        assertEquals(Choice.none("no NATS JetStream for the tests: OMNI_ROLLUP_TEST_NATS is unset, nothing answers on "
                + "127.0.0.1:4222, and no Docker engine was found (start nats-server -js or Docker)"), nats);
        assertEquals("no NATS JetStream for the tests: OMNI_ROLLUP_TEST_NATS is empty, nothing answers on "
                + "127.0.0.1:4222, and no Docker engine was found (start nats-server -js or Docker)",
                TestServices.choose(Service.NATS, " ", false, false).problem());
        for (Choice none : new Choice[] {pg, nats}) {
            assertNull(none.url());
            assertFalse(none.problem().contains("\n") || none.problem().contains("\r"), none.problem());
        }
    }

    @Test
    void decideAsksOnlyWhatTheAnswerDependsOn() {
        BooleanSupplier never = () -> {
            throw new AssertionError("not to be asked");
        };
        assertEquals(Choice.env(PG_URL), TestServices.decide(Service.POSTGRESQL, PG_URL, never, never));
        assertEquals(Choice.localDefault(TestServices.NATS_DEFAULT),
                TestServices.decide(Service.NATS, null, () -> true, never));
        assertEquals(Choice.docker(), TestServices.decide(Service.NATS, "", () -> false, () -> true));
        assertEquals(TestServices.choose(Service.POSTGRESQL, null, false, false),
                TestServices.decide(Service.POSTGRESQL, null, () -> false, () -> false));
    }

    @Test
    void theProbeSeesAListenerAndNoneOnceItIsClosedQuickly() throws IOException {
        int port;
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = listener.getLocalPort();
            assertTrue(TestServices.answers("127.0.0.1", port, TestServices.PROBE_TIMEOUT));
        }
        long start = System.nanoTime();
        assertFalse(TestServices.answers("127.0.0.1", port, TestServices.PROBE_TIMEOUT));
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertTrue(took.compareTo(Duration.ofSeconds(1)) < 0, "a closed port is no wait: " + took);
    }

    @Test
    void aChoiceIsConsistent() {
        assertThrows(IllegalArgumentException.class, () -> new Choice(Source.ENV, null, null));
        assertThrows(IllegalArgumentException.class, () -> new Choice(Source.LOCAL_DEFAULT, null, null));
        assertThrows(IllegalArgumentException.class, () -> new Choice(Source.NONE, null, null));
        assertThrows(IllegalArgumentException.class, () -> new Choice(Source.DOCKER, null, "why"));
        assertThrows(IllegalStateException.class, () -> Choice.env(PG_URL).started(PG_URL));
        assertThrows(NullPointerException.class, () -> Choice.docker().started(null));
    }

    @Test
    void passwordsAreNotLogged() {
        assertEquals("jdbc:postgresql://h:1/postgres?user=postgres&password=***&ssl=false",
                TestServices.redact("jdbc:postgresql://h:1/postgres?user=postgres&password=s3cr3t&ssl=false"));
    }
}
