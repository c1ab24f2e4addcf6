package dev.omnirollup.deploy;

import dev.omnirollup.store.RootCause;
import dev.omnirollup.store.StoreSettings;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.logging.Logger;

/**
 * The demo's embedded default: a real PostgreSQL (zonky's binaries from Maven Central) on a free port, its data in
 * a directory that {@link #close()} removes.
 */
final class EmbeddedPostgresServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(EmbeddedPostgresServer.class.getName());

    private final EmbeddedPostgres postgres;

    private EmbeddedPostgresServer(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    static EmbeddedPostgresServer start(Path dataDirectory) {
        long started = System.nanoTime();
        try {
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDirectory)
                    .setCleanDataDirectory(true)
                    .setRegisterShutdownHook(false)
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .setServerConfig("max_connections", "60")
                    .start();
            LOG.info(() -> "embedded PostgreSQL started on port " + postgres.getPort() + " in "
                    + Duration.ofNanos(System.nanoTime() - started).toMillis() + " ms (data in " + dataDirectory
                    + ", removed on exit)");
            return new EmbeddedPostgresServer(postgres);
        } catch (IOException | RuntimeException e) {
            throw new Failure(Failure.UNAVAILABLE, "the embedded PostgreSQL did not start: " + RootCause.message(e),
                    "set " + StoreSettings.DATABASE_URL.environmentVariable()
                            + " to an empty PostgreSQL database instead (the demo creates Omni's tables in it)", e);
        }
    }

    String jdbcUrl() {
        return postgres.getJdbcUrl("postgres", "postgres");
    }

    @Override
    public void close() throws IOException {
        postgres.close();
        LOG.info("embedded PostgreSQL stopped");
    }
}
