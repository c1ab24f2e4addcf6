package dev.omnirollup.bench;

import dev.omnirollup.sim.OmniSchema;
import dev.omnirollup.sim.ScratchDatabase;
import dev.omnirollup.testservices.TestServices;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;

/**
 * The PostgreSQL server and NATS the benchmarks run against: the tests' ({@link TestServices}), i.e.
 * {@code OMNI_ROLLUP_TEST_PG} / {@code OMNI_ROLLUP_TEST_NATS}, else the local defaults, else containers when Docker is
 * there.
 */
final class BenchServers {
    private BenchServers() {
    }

    /** A JDBC URL of the server's maintenance database. */
    static String postgresServer() {
        return TestServices.postgresUrl();
    }

    static String natsUrl() {
        return TestServices.natsUrl();
    }

    /** The same server's database {@code name} (JDBC form). */
    static String database(String name) {
        return ScratchDatabase.databaseUrl(postgresServer(), name);
    }

    /** Makes the server's database {@code name} anew (dropped first if it exists) with Omni's tables in it. */
    static void freshOmniDatabase(String name) {
        try (Connection admin = DriverManager.getConnection(postgresServer());
             Statement s = admin.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            s.execute("CREATE DATABASE " + name + " ENCODING 'UTF8' TEMPLATE template0");
        } catch (SQLException e) {
            throw new IllegalStateException("creating " + name + " failed: " + e.getMessage(), e);
        }
        try (Handle c = Jdbi.open(database(name))) {
            OmniSchema.create(c);
        } catch (JdbiException e) {
            throw new IllegalStateException("connecting to " + name + " failed: " + e.getMessage(), e);
        }
    }
}
