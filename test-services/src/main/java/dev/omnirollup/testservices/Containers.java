package dev.omnirollup.testservices;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The Testcontainers side of {@link TestServices}, in a class of its own so that Testcontainers is loaded only when
 * neither the variable nor the local default gave a server. The containers are not stopped here: Testcontainers'
 * Ryuk removes them when the JVM ends.
 */
final class Containers {
    private static final int POSTGRES_PORT = 5432;
    private static final int NATS_PORT = 4222;
    private static final String POSTGRES_USER = "postgres";
    private static final String POSTGRES_PASSWORD = "postgres";

    private Containers() {
    }

    static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    static String image(Service service) {
        return switch (service) {
            case POSTGRESQL -> TestServices.POSTGRES_IMAGE;
            case NATS -> TestServices.NATS_IMAGE;
        };
    }

    /** Starts the container for {@code service} and returns its URL (same form as the local default's). */
    static String start(Service service) {
        return switch (service) {
            case POSTGRESQL -> startPostgres();
            case NATS -> startNats();
        };
    }

    @SuppressWarnings("resource") // stopped by Ryuk when the JVM ends
    private static String startPostgres() {
        PostgreSQLContainer postgres = new PostgreSQLContainer(DockerImageName.parse(TestServices.POSTGRES_IMAGE))
                .withUsername(POSTGRES_USER)
                .withPassword(POSTGRES_PASSWORD)
                .withDatabaseName("postgres");
        postgres.start();
        // the maintenance database, as a superuser: the tests CREATE DATABASE their scratch databases on it
        return "jdbc:postgresql://" + postgres.getHost() + ":" + postgres.getMappedPort(POSTGRES_PORT)
                + "/postgres?user=" + encode(postgres.getUsername()) + "&password=" + encode(postgres.getPassword());
    }

    @SuppressWarnings("resource") // stopped by Ryuk when the JVM ends
    private static String startNats() {
        GenericContainer<?> nats = new GenericContainer<>(DockerImageName.parse(TestServices.NATS_IMAGE))
                .withCommand("-js")
                .withExposedPorts(NATS_PORT)
                .waitingFor(Wait.forLogMessage(".*Server is ready.*", 1)
                        .withStartupTimeout(Duration.ofSeconds(60)));
        nats.start();
        return "nats://" + nats.getHost() + ":" + nats.getMappedPort(NATS_PORT);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
