package dev.omnirollup.bench;

import dev.omnirollup.testservices.TestServices;

/**
 * The PostgreSQL server and NATS URL the benchmarks use: the tests' ({@link TestServices}), i.e.
 * {@code OMNI_ROLLUP_TEST_PG} / {@code OMNI_ROLLUP_TEST_NATS}, else the local defaults, else containers when Docker is
 * there.
 */
final class Services {
    private Services() {
    }

    /** A JDBC URL of the server's maintenance database. */
    static String postgresServer() {
        return TestServices.postgresUrl();
    }

    static String natsUrl() {
        return TestServices.natsUrl();
    }

    /** The same server's database {@code name} (JDBC form; the server URL must be JDBC). */
    static String database(String name) {
        String server = postgresServer();
        String rest = server.substring("jdbc:postgresql://".length());
        int query = rest.indexOf('?');
        String path = query < 0 ? rest : rest.substring(0, query);
        String parameters = query < 0 ? "?user=postgres" : rest.substring(query);
        int slash = path.indexOf('/');
        String hosts = slash < 0 ? path : path.substring(0, slash);
        return "jdbc:postgresql://" + hosts + "/" + name + parameters;
    }
}
