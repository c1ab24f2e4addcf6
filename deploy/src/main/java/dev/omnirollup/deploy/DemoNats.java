package dev.omnirollup.deploy;

import dev.omnirollup.store.Config;
import dev.omnirollup.store.RootCause;
import dev.omnirollup.store.StoreSettings;
import io.nats.NatsServerRunner;
import io.nats.client.Connection;
import io.nats.client.ErrorListener;
import io.nats.client.JetStreamApiException;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The demo's NATS: the configured server when it answers with JetStream, otherwise a {@code nats-server} from PATH
 * started on a free port with its store in a temporary directory (stopped and removed on exit).
 */
final class DemoNats implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(DemoNats.class.getName());

    private final String url;
    private final Optional<NatsServerRunner> server;

    private DemoNats(String url, Optional<NatsServerRunner> server) {
        this.url = url;
        this.server = server;
    }

    /** The configured NATS when it answers with JetStream, else a new local one. */
    static DemoNats start(Config config, Path storeDirectory) {
        String configured = config.get(StoreSettings.NATS_URL);
        Optional<String> problem = probe(configured);
        if (problem.isEmpty()) {
            LOG.info(() -> "using NATS at " + configured);
            return new DemoNats(configured, Optional.empty());
        }
        Optional<Path> executable = findOnPath("nats-server");
        if (executable.isEmpty()) {
            throw new Failure(Failure.UNAVAILABLE, "NATS at " + configured + " " + problem.get()
                    + ", and nats-server is not on PATH to start one",
                    "install it (Debian/Ubuntu: sudo apt-get install nats-server; others: "
                            + "https://github.com/nats-io/nats-server/releases) or set "
                            + StoreSettings.NATS_URL.environmentVariable() + " to a NATS server with JetStream");
        }
        try {
            Files.createDirectories(storeDirectory);
            int port = freePort();
            Logger output = Logger.getLogger("io.nats.server");
            NatsServerRunner runner = NatsServerRunner.builder()
                    .executablePath(executable.get())
                    .port(port)
                    .jetstream(true)
                    .customArgs(new String[] {"-a", "127.0.0.1", "-sd", storeDirectory.toString()})
                    .outputLogger(output)
                    // the server's own output (banner, a complaint when stopped) only with --verbose
                    .outputLevel(output.isLoggable(Level.INFO) ? Level.INFO : Level.SEVERE)
                    .processCheckWait(50L)
                    .processCheckTries(100)
                    .connectValidateInitialDelay(50L)
                    .connectValidateSubsequentDelay(100L)
                    .connectValidateTries(100)
                    .build();
            String url = "nats://127.0.0.1:" + runner.getPort();
            LOG.info(() -> "NATS at " + configured + " " + problem.get() + "; started " + executable.get()
                    + " with JetStream at " + url + " (store in " + storeDirectory + ", removed on exit)");
            return new DemoNats(url, Optional.of(runner));
        } catch (Exception e) {
            throw new Failure(Failure.UNAVAILABLE, "starting " + executable.get() + " failed: "
                    + RootCause.message(e), "start a NATS server with JetStream (nats-server -js) and set "
                    + StoreSettings.NATS_URL.environmentVariable() + " to it", e);
        }
    }

    /** Empty when a NATS with JetStream answers at {@code url}; otherwise what is wrong. */
    static Optional<String> probe(String url) {
        Options options = Options.builder().servers(url.split(",")).connectionTimeout(Duration.ofSeconds(2))
                .maxReconnects(0).noReconnect().errorListener(new ErrorListener() {
                }).build();
        try {
            Connection connection = Nats.connect(options);
            try {
                connection.jetStreamManagement().getAccountStatistics();
                return Optional.empty();
            } catch (JetStreamApiException | IOException e) {
                return Optional.of("answers without JetStream (" + RootCause.message(e) + ")");
            } finally {
                connection.close();
            }
        } catch (IOException e) {
            return Optional.of("does not answer");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("was not probed (interrupted)");
        }
    }

    /** Whether this demo started the server (then stream names need no isolation from anyone). */
    boolean isOwn() {
        return server.isPresent();
    }

    String url() {
        return url;
    }

    static Optional<Path> findOnPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String directory : path.split(File.pathSeparator)) {
            if (directory.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(directory, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        if (server.isPresent()) {
            try {
                server.get().shutdown(true);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            LOG.info("local nats-server stopped");
        }
    }
}
