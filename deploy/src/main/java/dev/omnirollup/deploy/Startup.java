package dev.omnirollup.deploy;

import dev.omnirollup.store.Config;
import dev.omnirollup.store.DatabaseUrl;
import dev.omnirollup.store.NatsEdge;
import dev.omnirollup.store.RollupDatabase;
import dev.omnirollup.store.RootCause;
import io.nats.client.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * The fail-fast start shared by the commands: the database (answers, migrated), NATS (answers), and one log line
 * with the configuration in force. Every failure is a {@link Failure} naming the problem, the key to change and
 * where its value came from.
 */
final class Startup {
    private static final Logger LOG = Logger.getLogger(Startup.class.getName());
    static final Duration NATS_CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private Startup() {
    }

    /** The JDBC URL of database-url, or a failure saying how to set it. */
    static String requireDatabaseUrl(Config config, String command) {
        return config.get(Config.DATABASE_URL).orElseThrow(() -> new Failure(Failure.INVALID,
                "database-url is not set, and '" + command + "' needs the PostgreSQL that holds Omni's tables",
                "set " + Config.DATABASE_URL.environmentVariable()
                        + "=postgres://user:password@host:5432/omni (or database-url in the YAML file); "
                        + "'omni-rollup demo' runs without one"));
    }

    /** Opens the pool; fails fast when PostgreSQL does not answer. */
    static RollupDatabase openDatabase(Config config, String jdbcUrl, String poolName, int poolSize) {
        try {
            return RollupDatabase.open(jdbcUrl, config.get(Config.ROLLUP_SCHEMA), config.get(Config.OMNI_SCHEMA),
                    poolSize, poolName);
        } catch (RuntimeException e) {
            throw new Failure(Failure.UNAVAILABLE, "PostgreSQL at " + DatabaseUrl.redact(jdbcUrl)
                    + " does not answer: " + RootCause.message(e),
                    "check database-url (from " + config.sourceOf(Config.DATABASE_URL)
                            + ") and that PostgreSQL runs and accepts this user", e);
        }
    }

    /**
     * Brings omni-rollup's schema up to date, unless the database is a read replica (then the primary's ingest
     * migrates it, and this only checks that the schema is there).
     */
    static void migrate(RollupDatabase database, Config config) {
        String schema = config.get(Config.ROLLUP_SCHEMA);
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
            return NatsEdge.connect(config, clientName, NATS_CONNECT_TIMEOUT);
        } catch (RuntimeException e) {
            throw new Failure(Failure.UNAVAILABLE, "NATS at " + config.get(Config.NATS_URL) + " does not answer: "
                    + RootCause.message(e), "check nats-url (from " + config.sourceOf(Config.NATS_URL)
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
        for (Config.Key<?> key : Config.KEYS) {
            String source = config.sourceOf(key);
            if (!"default".equals(source)) {
                set.add(key.name() + "=" + shown(key, config) + " (" + source + ")");
            }
        }
        LOG.info(() -> "omni-rollup " + Version.VALUE + " " + command + " starting; configuration: "
                + (set.isEmpty() ? "all defaults" : String.join(", ", set) + "; other keys default"));
    }

    private static String shown(Config.Key<?> key, Config config) {
        Object value = config.get(key);
        if (key == Config.API_KEY) {
            return ((Optional<?>) value).isPresent() ? "***" : "";
        }
        if (value instanceof Optional<?> optional) {
            value = optional.map(String::valueOf).orElse("");
        }
        String text = String.valueOf(value);
        return key == Config.DATABASE_URL ? DatabaseUrl.redact(text) : text;
    }
}
