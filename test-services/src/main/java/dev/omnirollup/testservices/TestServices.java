package dev.omnirollup.testservices;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Where the tests' PostgreSQL and NATS JetStream are, decided once per JVM and per service, in this order:
 * <ol>
 *   <li>the environment variable ({@value #POSTGRES_ENV} / {@value #NATS_ENV}) when set, used as is;</li>
 *   <li>else the local default ({@value #POSTGRES_DEFAULT} / {@value #NATS_DEFAULT}) when a TCP connect to it
 *       succeeds within {@link #PROBE_TIMEOUT};</li>
 *   <li>else, when a Docker engine is there, a container started with Testcontainers ({@value #POSTGRES_IMAGE} /
 *       {@value #NATS_IMAGE} with JetStream), once per JVM; Testcontainers' Ryuk removes it when the JVM ends;</li>
 *   <li>else nothing: {@link #postgresUrl()} and {@link #natsUrl()} throw an {@link IllegalStateException} whose
 *       message is one line naming what is missing.</li>
 * </ol>
 * The decision itself is {@link #choose}, a pure function; this class only gathers its inputs and remembers the
 * outcome. Testcontainers is loaded only when the third step is reached.
 */
public final class TestServices {
    public static final String POSTGRES_ENV = "OMNI_ROLLUP_TEST_PG";
    public static final String POSTGRES_DEFAULT = "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres";
    public static final String NATS_ENV = "OMNI_ROLLUP_TEST_NATS";
    public static final String NATS_DEFAULT = "nats://127.0.0.1:4222";
    public static final String POSTGRES_IMAGE = "postgres:15";
    public static final String NATS_IMAGE = "nats:2.10";
    /** How long the TCP probe of a local default waits for the connection. */
    public static final Duration PROBE_TIMEOUT = Duration.ofMillis(300);

    private static final System.Logger LOG = System.getLogger(TestServices.class.getName());
    private static final Map<Service, Decided> DECIDED = new EnumMap<>(Service.class);

    private TestServices() {
    }

    /**
     * A JDBC URL ({@code jdbc:postgresql://host:port/postgres?user=...}) of a database on a PostgreSQL server on
     * which the tests may {@code CREATE DATABASE}.
     *
     * @throws IllegalStateException with a one-line message when there is none
     */
    public static String postgresUrl() {
        return url(Service.POSTGRESQL);
    }

    /**
     * A {@code nats://host:port} URL of a NATS server with JetStream.
     *
     * @throws IllegalStateException with a one-line message when there is none
     */
    public static String natsUrl() {
        return url(Service.NATS);
    }

    /** What was chosen for {@code service} in this JVM (deciding it, and starting its container, on first call). */
    public static Choice choice(Service service) {
        return decided(service).choice();
    }

    private static synchronized Decided decided(Service service) {
        return DECIDED.computeIfAbsent(service, TestServices::decideAndStart);
    }

    private static String url(Service service) {
        Decided decided = decided(service);
        if (decided.choice().source() == Choice.Source.NONE) {
            throw new IllegalStateException(decided.choice().problem(), decided.cause());
        }
        return decided.choice().url();
    }

    /**
     * The decision: the variable's value when it is set (not blank), else the local default when it answered, else a
     * container when Docker is available, else none with one line naming what is missing. Pure.
     *
     * @param envValue        the value of {@link Service#variable()}, or {@code null} when it is unset
     * @param localAnswers    whether the local default accepted a TCP connection
     * @param dockerAvailable whether a Docker engine was found
     */
    static Choice choose(Service service, String envValue, boolean localAnswers, boolean dockerAvailable) {
        if (isSet(envValue)) {
            return Choice.env(envValue);
        }
        if (localAnswers) {
            return Choice.localDefault(service.localDefault());
        }
        if (dockerAvailable) {
            return Choice.docker();
        }
        return Choice.none(nothingFound(service, envValue) + "no Docker engine was found (start " + service.remedy()
                + " or Docker)");
    }

    /** The start of the one-line failure: {@code no PostgreSQL for the tests: <variable> is unset, nothing ... and }. */
    private static String nothingFound(Service service, String envValue) {
        return "no " + service.title() + " for the tests: " + service.variable()
                + (envValue == null ? " is unset" : " is empty") + ", nothing answers on " + Service.LOCAL_HOST + ":"
                + service.localPort() + ", and ";
    }

    /**
     * {@link #choose} with its inputs gathered only as far as they are needed: no probe when the variable is set, no
     * look for Docker when the local default answers.
     */
    static Choice decide(Service service, String envValue, BooleanSupplier localAnswers,
                         BooleanSupplier dockerAvailable) {
        boolean set = isSet(envValue);
        boolean local = !set && localAnswers.getAsBoolean();
        boolean docker = !set && !local && dockerAvailable.getAsBoolean();
        return choose(service, envValue, local, docker);
    }

    /** Whether something accepts a TCP connection on {@code host:port} within {@code timeout}. */
    static boolean answers(String host, int port, Duration timeout) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), Math.toIntExact(timeout.toMillis()));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean isSet(String envValue) {
        return envValue != null && !envValue.isBlank();
    }

    private static Decided decideAndStart(Service service) {
        String envValue = System.getenv(service.variable());
        Choice choice = decide(service, envValue,
                () -> answers(Service.LOCAL_HOST, service.localPort(), PROBE_TIMEOUT),
                Containers::dockerAvailable);
        if (choice.source() == Choice.Source.DOCKER) {
            try {
                choice = choice.started(Containers.start(service));
            } catch (RuntimeException e) {
                String problem = nothingFound(service, envValue) + "starting " + Containers.image(service)
                        + " with Testcontainers failed: " + firstLine(e);
                LOG.log(System.Logger.Level.ERROR, problem, e);
                return new Decided(Choice.none(problem), e);
            }
        }
        switch (choice.source()) {
            case ENV -> LOG.log(System.Logger.Level.INFO, "test {0}: {1} from {2}", service.title(),
                    redact(choice.url()), service.variable());
            case LOCAL_DEFAULT -> LOG.log(System.Logger.Level.INFO, "test {0}: the local default {1} ({2} is unset)",
                    service.title(), choice.url(), service.variable());
            case DOCKER -> LOG.log(System.Logger.Level.INFO, "test {0}: container {1} at {2} (Testcontainers)",
                    service.title(), Containers.image(service), redact(choice.url()));
            case NONE -> LOG.log(System.Logger.Level.ERROR, choice.problem());
        }
        return new Decided(choice, null);
    }

    private static String firstLine(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null || root.getMessage().isBlank()
                ? root.getClass().getSimpleName() : root.getMessage();
        return message.strip().lines().findFirst().orElse(message);
    }

    static String redact(String url) {
        return url.replaceAll("(?i)(password=)[^&]*", "$1***");
    }

    private record Decided(Choice choice, RuntimeException cause) {
    }
}
