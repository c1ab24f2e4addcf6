package dev.omnirollup.testservices;

/** A service the tests need: the variable that names it, its local default and what to say when it is missing. */
public enum Service {
    POSTGRESQL("PostgreSQL", TestServices.POSTGRES_ENV, TestServices.POSTGRES_DEFAULT, 5432, "PostgreSQL 15+"),
    NATS("NATS JetStream", TestServices.NATS_ENV, TestServices.NATS_DEFAULT, 4222, "nats-server -js");

    /** The host of both local defaults. */
    public static final String LOCAL_HOST = "127.0.0.1";

    private final String title;
    private final String variable;
    private final String localDefault;
    private final int localPort;
    private final String remedy;

    Service(String title, String variable, String localDefault, int localPort, String remedy) {
        this.title = title;
        this.variable = variable;
        this.localDefault = localDefault;
        this.localPort = localPort;
        this.remedy = remedy;
    }

    /** E.g. {@code PostgreSQL}. */
    public String title() {
        return title;
    }

    /** The environment variable that names the server, e.g. {@code OMNI_ROLLUP_TEST_PG}. */
    public String variable() {
        return variable;
    }

    /** The URL of the local default, e.g. {@code jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres}. */
    public String localDefault() {
        return localDefault;
    }

    /** The port the local default listens on, on {@value #LOCAL_HOST}. */
    public int localPort() {
        return localPort;
    }

    /** What to start when nothing was found, e.g. {@code PostgreSQL 15+}. */
    public String remedy() {
        return remedy;
    }
}
