package dev.omnirollup.testservices;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.omnirollup.testservices.Choice.Source;
import java.io.IOException;
import java.net.Socket;
import org.junit.jupiter.api.Test;

/**
 * With the machine's own PostgreSQL and NATS up and the variables unset (as on the developers' machines and in CI),
 * {@link TestServices} picks the local defaults, and never looks for Docker. Skipped elsewhere: whether the services
 * are up is checked here independently of {@link TestServices}'s probe.
 */
class LocalServicesTest {

    @Test
    void theLocalPostgresIsChosenWhenItIsUpAndTheVariableUnset() {
        assumeLocal(Service.POSTGRESQL);
        assertEquals(new Choice(Source.LOCAL_DEFAULT, TestServices.POSTGRES_DEFAULT, null),
                TestServices.choice(Service.POSTGRESQL));
        assertEquals("jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres", TestServices.postgresUrl());
    }

    @Test
    void theLocalNatsIsChosenWhenItIsUpAndTheVariableUnset() {
        assumeLocal(Service.NATS);
        assertEquals(new Choice(Source.LOCAL_DEFAULT, TestServices.NATS_DEFAULT, null),
                TestServices.choice(Service.NATS));
        assertEquals("nats://127.0.0.1:4222", TestServices.natsUrl());
    }

    private static void assumeLocal(Service service) {
        String value = System.getenv(service.variable());
        assumeTrue(value == null || value.isBlank(), service.variable() + " is set");
        boolean up;
        try (Socket socket = new Socket(Service.LOCAL_HOST, service.localPort())) {
            up = socket.isConnected();
        } catch (IOException e) {
            up = false;
        }
        assumeTrue(up, service.title() + " is not up on " + Service.LOCAL_HOST + ":" + service.localPort());
    }
}
