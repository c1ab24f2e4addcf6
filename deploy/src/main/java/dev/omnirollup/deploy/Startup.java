package dev.omnirollup.deploy;

import dev.omnirollup.api.ApiSettings;
import dev.omnirollup.api.QueryApi;
import dev.omnirollup.api.QueryServer;
import dev.omnirollup.ingest.IngestDaemon;
import dev.omnirollup.ingest.IngestHttp;
import dev.omnirollup.ingest.IngestSettings;
import dev.omnirollup.store.Config;
import dev.omnirollup.store.DatabaseUrl;
import dev.omnirollup.store.Metrics;
import dev.omnirollup.store.NatsEdge;
import dev.omnirollup.store.RollupDatabase;
import dev.omnirollup.store.RootCause;
import dev.omnirollup.store.Setting;
import dev.omnirollup.store.StoreSettings;
import io.nats.client.Connection;
import java.net.BindException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * How every command starts, the one start-up path (child processes in tests and benchmarks run these commands
 * too): the database (answers, migrated), NATS (answers), one log line with the configuration in force, then the
 * ingest daemon with its metrics port and the query API, each from its module's typed settings. Every failure is a {@link Failure} naming the problem, the key to change and
 * where its value came from.
 */
final class Startup {
    private static final Logger LOG = Logger.getLogger(Startup.class.getName());
    static final Duration NATS_CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private Startup() {
    }

    /** The JDBC URL of database-url, or a failure saying how to set it. */
    static String requireDatabaseUrl(Config config, String command) {
        return config.get(StoreSettings.DATABASE_URL).orElseThrow(() -> new Failure(Failure.INVALID,
                "database-url is not set, and '" + command + "' needs the PostgreSQL that holds Omni's tables",
                "set " + StoreSettings.DATABASE_URL.environmentVariable()
                        + "=postgres://user:password@host:5432/omni (or database-url in the YAML file); "
                        + "'omni-rollup demo' runs without one"));
    }

    /** Opens the pool; fails fast when PostgreSQL does not answer. */
    static RollupDatabase openDatabase(Config config, String jdbcUrl, String poolName, int poolSize) {
        return openDatabase(config, jdbcUrl, poolName, poolSize, RollupDatabase.Plans.PER_EXECUTION);
    }

    /** Opens the pool with its statements planned as {@code plans}; fails fast when PostgreSQL does not answer. */
    static RollupDatabase openDatabase(Config config, String jdbcUrl, String poolName, int poolSize,
                                       RollupDatabase.Plans plans) {
        try {
            return RollupDatabase.open(jdbcUrl, config.get(StoreSettings.ROLLUP_SCHEMA), config.get(StoreSettings.OMNI_SCHEMA),
                    poolSize, poolName, plans);
        } catch (RuntimeException e) {
            throw new Failure(Failure.UNAVAILABLE, "PostgreSQL at " + DatabaseUrl.redact(jdbcUrl)
                    + " does not answer: " + RootCause.message(e),
                    "check database-url (from " + config.sourceOf(StoreSettings.DATABASE_URL)
                            + ") and that PostgreSQL runs and accepts this user", e);
        }
    }

    /**
     * Brings omni-rollup's schema up to date, unless the database is a read replica (then the primary's ingest
     * migrates it, and this only checks that the schema is there).
     */
    static void migrate(RollupDatabase database, Config config) {
        String schema = config.get(StoreSettings.ROLLUP_SCHEMA);
        boolean replica = database.withHandle(handle -> handle.createQuery("SELECT pg_is_in_recovery()")
                .mapTo(Boolean.class).one());
        if (replica) {
            boolean present = database.withHandle(handle -> handle.createQuery(
                    "SELECT to_regclass(:table) IS NOT NULL").bind("table", '"' + schema + "\".settings")
                    .mapTo(Boolean.class).one());
            if (!present) {
                throw new Failure(Failure.UNAVAILABLE, "the database is a read replica and schema '" + schema
                        + "' is not there yet", "start the ingest against the primary first (it migrates the schema)");
            }
            LOG.info(() -> "database is a read replica; schema " + schema + " is migrated by the primary's ingest");
            return;
        }
        try {
            database.migrate();
        } catch (RuntimeException e) {
            String message = String.valueOf(e.getMessage());
            if (message.contains("failed validation")) {
                String detail = message.lines().skip(1).filter(l -> !l.isBlank()).findFirst().orElse("").strip();
                throw new Failure(Failure.FAILED, "schema '" + schema + "' was migrated by a different build of "
                        + "omni-rollup (" + detail + ")", "run the omni-rollup version that created it, or start "
                        + "from an empty rollup-schema and backfill again", e);
            }
            String root = RootCause.message(e);
            throw new Failure(Failure.FAILED, "migrating schema '" + schema + "' failed: " + root,
                    root.contains("permission denied") ? "the database user needs CREATE on the database (or an "
                            + "existing schema '" + schema + "' it owns); see rollup-schema" : "", e);
        }
    }

    /** Connects to NATS; fails fast when no server answers. */
    static Connection connectNats(Config config, String clientName) {
        try {
            return NatsEdge.connect(StoreSettings.from(config), clientName, NATS_CONNECT_TIMEOUT);
        } catch (RuntimeException e) {
            throw new Failure(Failure.UNAVAILABLE, "NATS at " + config.get(StoreSettings.NATS_URL) + " does not answer: "
                    + RootCause.message(e), "check nats-url (from " + config.sourceOf(StoreSettings.NATS_URL)
                    + ") and that nats-server runs with JetStream (-js)", e);
        }
    }

    /** Closes a NATS connection, for {@link Lifecycle}. */
    static AutoCloseable closing(Connection nats) {
        return () -> {
            try {
                nats.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
    }

    /** One line: the version, the command and every key that is not at its default, with its source. */
    static void logConfiguration(String command, Config config) {
        List<String> set = new ArrayList<>();
        for (Setting<?> key : SharedOptions.SETTINGS) {
            String source = config.sourceOf(key);
            if (!"default".equals(source)) {
                set.add(key.name() + "=" + shown(key, config) + " (" + source + ")");
            }
        }
        LOG.info(() -> "omni-rollup " + Version.VALUE + " " + command + " starting; configuration: "
                + (set.isEmpty() ? "all defaults" : String.join(", ", set) + "; other keys default"));
    }

    private static String shown(Setting<?> key, Config config) {
        Object value = config.get(key);
        if (key == ApiSettings.API_KEY) {
            return ((Optional<?>) value).isPresent() ? "***" : "";
        }
        if (value instanceof Optional<?> optional) {
            value = optional.map(String::valueOf).orElse("");
        }
        String text = String.valueOf(value);
        return key == StoreSettings.DATABASE_URL ? DatabaseUrl.redact(text) : text;
    }

    /** Starts the ingest daemon and its /metrics and /health port; both are registered with {@code lifecycle}. */
    static IngestDaemon startIngest(Config config, RollupDatabase database, Connection nats, InstantSource clock,
                                    Lifecycle lifecycle) {
        Metrics metrics = new Metrics().withProcessMetrics();
        IngestDaemon daemon;
        try {
            daemon = lifecycle.add("ingest", IngestDaemon.start(StoreSettings.from(config),
                    IngestSettings.from(config), database, nats, clock, metrics));
        } catch (Failure e) {
            throw e;
        } catch (RuntimeException e) {
            throw new Failure(Failure.UNAVAILABLE, "the ingest could not start: " + RootCause.message(e),
                    "NATS must have JetStream enabled (nats-server -js) and allow creating streams and consumers; "
                            + "check message-stream, automation-stream and ingest-consumer", e);
        }
        int port = config.get(IngestSettings.METRICS_PORT);
        try {
            lifecycle.add("ingest metrics", IngestHttp.start(port, metrics, daemon));
        } catch (RuntimeException e) {
            throw new Failure(Failure.UNAVAILABLE, "cannot listen on port " + port + " for the ingest's /metrics: "
                    + RootCause.message(e), "set ingest-metrics-port ("
                    + IngestSettings.METRICS_PORT.environmentVariable() + ") to a free port, or 0 to turn it off", e);
        }
        if (port != 0) {
            LOG.info(() -> "ingest metrics on http://" + displayHost(config) + ":" + port + "/metrics and /health");
        }
        return daemon;
    }

    /** Starts the query API; registered with {@code lifecycle}. */
    /**
     * The API's own pool, whose statements PostgreSQL plans once ({@link RollupDatabase.Plans#GENERIC}); in a process
     * that also ingests, a second pool beside the ingest's, whose statements keep per-execution plans.
     */
    static RollupDatabase openApiDatabase(Config config, String jdbcUrl, String poolName, Lifecycle lifecycle) {
        return lifecycle.add("API database pool", openDatabase(config, jdbcUrl, poolName,
                config.get(StoreSettings.DATABASE_POOL_SIZE), RollupDatabase.Plans.GENERIC));
    }

    static QueryServer startApi(Config config, RollupDatabase database, Optional<Connection> nats, InstantSource clock,
                                Lifecycle lifecycle) {
        try {
            QueryServer server = lifecycle.add("query API", QueryApi.start(StoreSettings.from(config),
                    ApiSettings.from(config), database, clock, nats));
            if (server.port() <= 0) {
                // Helidon logs a listener that failed to bind and returns a server that is not running
                throw new Failure(Failure.UNAVAILABLE, "cannot listen on " + config.get(ApiSettings.HTTP_HOST) + ":"
                        + config.get(ApiSettings.HTTP_PORT) + " for the API (in use, or not an address of this host)",
                        "stop what uses the port or set http-port (" + ApiSettings.HTTP_PORT.environmentVariable()
                                + ") / http-host", null);
            }
            return server;
        } catch (Failure e) {
            throw e;
        } catch (RuntimeException e) {
            if (causedBy(e, BindException.class) || String.valueOf(RootCause.message(e)).contains("in use")) {
                throw new Failure(Failure.UNAVAILABLE, "cannot listen on " + config.get(ApiSettings.HTTP_HOST) + ":"
                        + config.get(ApiSettings.HTTP_PORT) + " for the API: " + RootCause.message(e),
                        "stop what uses the port or set http-port (" + ApiSettings.HTTP_PORT.environmentVariable() + ")", e);
            }
            throw new Failure(Failure.FAILED, "the query API could not start: " + RootCause.message(e), "", e);
        }
    }

    /** The host to print in URLs: the configured one, or 127.0.0.1 when listening on every address. */
    static String displayHost(Config config) {
        String host = config.get(ApiSettings.HTTP_HOST);
        return host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]") ? "127.0.0.1" : host;
    }

    static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
