package dev.omnirollup.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.core.argument.Argument;
import org.jdbi.v3.postgres.PostgresPlugin;

/**
 * The PostgreSQL edge: a connection pool, omni-rollup's own schema (migrated by Flyway, history table inside it)
 * and transactions as callbacks. Thread-safe.
 */
public final class RollupDatabase implements AutoCloseable {
    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private final HikariDataSource pool;
    private final String rollupSchema;
    private final String omniSchema;
    private final Jdbi jdbi;

    private RollupDatabase(HikariDataSource pool, String rollupSchema, String omniSchema) {
        this.pool = pool;
        this.rollupSchema = rollupSchema;
        this.omniSchema = omniSchema;
        // statements are constant text naming the schemas as <rollup> and <omni>; values are bound by name
        this.jdbi = Jdbi.create(pool).installPlugin(new PostgresPlugin())
                .define("rollup", '"' + rollupSchema + '"')
                .define("omni", '"' + omniSchema + '"')
                .registerArrayType(Short.class, "int2")
                .registerArrayType(Long.class, "int8")
                .registerArrayType(String.class, "text")
                .registerArrayType(UUID.class, "uuid");
    }

    /** How PostgreSQL plans a pool's statements (a session setting of each of its connections). */
    public enum Plans {
        /**
         * PostgreSQL's default: a statement is planned for the values of each execution (until it finds a generic
         * plan as cheap). For ingest, backfill, verify and the automation log tail, whose ranges vary from a few rows
         * to a day of Omni's table, and whose plans must follow the values.
         */
        PER_EXECUTION(""),
        /**
         * One generic plan per statement and connection ({@code plan_cache_mode = force_generic_plan}), for the API's
         * reads. Their statements are unions of small index range scans of the rollups, whose best plan is the
         * same whatever the values; PostgreSQL kept planning them per execution, which cost more than running
         * them: on the 1 M-row client data set, {@code /event-ops/metrics}' statement took 0.4-1.4 ms to plan and
         * 0.3-0.6 ms to run, and 0.04 ms to plan with the generic plan (EXPLAIN ANALYZE of the prepared statement, eight
         * executions each; docs/benchmarks.md, finding Q4).
         */
        GENERIC("; SET plan_cache_mode = force_generic_plan");

        private final String sessionSql;

        Plans(String extra) {
            // rollup reads touch a few hundred rows: a parallel plan only adds worker start-up to them
            this.sessionSql = "SET TIME ZONE 'UTC'; SET max_parallel_workers_per_gather = 0" + extra;
        }
    }

    /**
     * A {@code bytea[]} argument. Jdbi's array binding passes elements as {@code Object[]}, which the driver cannot
     * encode for {@code bytea}; the driver takes {@code byte[][]} as it is.
     */
    static Argument byteaArray(List<byte[]> values) {
        byte[][] array = values.toArray(new byte[0][]);
        return (position, statement, context) ->
                statement.setArray(position, statement.getConnection().createArrayOf("bytea", array));
    }

    /**
     * Jdbi over the pool: statements in constant text with the schemas as {@code <rollup>} and {@code <omni>}
     * (validated identifiers, defined once here) and every value bound by name.
     */
    public Jdbi jdbi() {
        return jdbi;
    }

    /**
     * Opens a pool. Fails fast, with the driver's reason, when the database does not answer.
     *
     * @param jdbcUrl      a {@code jdbc:postgresql://} URL (see {@link DatabaseUrl} for other forms)
     * @param rollupSchema omni-rollup's schema, e.g. {@code rollup}
     * @param omniSchema   the schema of Omni's tables, e.g. {@code public}
     */
    public static RollupDatabase open(String jdbcUrl, String rollupSchema, String omniSchema, int poolSize,
                                      String poolName) {
        return open(jdbcUrl, rollupSchema, omniSchema, poolSize, poolName, Plans.PER_EXECUTION);
    }

    /** As {@link #open(String, String, String, int, String)}, with the pool's statements planned as {@code plans}. */
    public static RollupDatabase open(String jdbcUrl, String rollupSchema, String omniSchema, int poolSize,
                                      String poolName, Plans plans) {
        requireIdentifier(rollupSchema, "rollup-schema");
        requireIdentifier(omniSchema, "omni-schema");
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setMaximumPoolSize(poolSize);
        config.setMinimumIdle(Math.min(2, poolSize));
        config.setPoolName(poolName);
        config.setConnectionTimeout(Duration.ofSeconds(5).toMillis());
        config.setValidationTimeout(Duration.ofSeconds(2).toMillis());
        config.setInitializationFailTimeout(Duration.ofSeconds(5).toMillis());
        config.addDataSourceProperty("ApplicationName", poolName);
        config.addDataSourceProperty("tcpKeepAlive", "true");
        config.addDataSourceProperty("connectTimeout", "5");
        config.addDataSourceProperty("socketTimeout", "60");
        config.setConnectionInitSql(plans.sessionSql);
        try {
            return new RollupDatabase(new HikariDataSource(config), rollupSchema, omniSchema);
        } catch (RuntimeException e) {
            throw new StoreException("database at " + DatabaseUrl.redact(jdbcUrl) + " does not answer: "
                    + RootCause.message(e), e);
        }
    }

    /** Brings omni-rollup's schema to the newest version. Safe to call from several processes at once. */
    public void migrate() {
        flyway().load().migrate();
        withHandle(handle -> {
            InstanceIndexes.ensure(handle, this);
            return null;
        });
    }

    /** Flyway as {@link #migrate} runs it: omni-rollup's schema, created if missing, and the migrations in it. */
    FluentConfiguration flyway() {
        return Flyway.configure()
                .dataSource(pool)
                .schemas(rollupSchema)
                .defaultSchema(rollupSchema)
                .createSchemas(true)
                .locations("classpath:db/migration");
    }

    public DataSource dataSource() {
        return pool;
    }

    /**
     * A Jdbi handle on a connection of its own, outside the pool, with the pool's URL and driver properties: for a
     * session that lives as long as the process (one holding an advisory lock), which a small pool could not spare.
     * Closing the handle closes the connection.
     */
    public Handle openSession() {
        Properties properties = new Properties();
        properties.putAll(pool.getDataSourceProperties());
        if (pool.getUsername() != null) {
            properties.setProperty("user", pool.getUsername());
        }
        if (pool.getPassword() != null) {
            properties.setProperty("password", pool.getPassword());
        }
        try {
            return Jdbi.open(DriverManager.getConnection(pool.getJdbcUrl(), properties));
        } catch (SQLException e) {
            throw StoreException.of(e);
        }
    }

    /** omni-rollup's schema. */
    public String rollupSchema() {
        return rollupSchema;
    }

    /** The quoted name of one of omni-rollup's tables. */
    String rollup(String table) {
        return '"' + rollupSchema + "\"." + table;
    }

    /** The quoted name of one of Omni's tables. */
    public String omni(String table) {
        return '"' + omniSchema + "\"." + table;
    }

    /**
     * Runs {@code work} in one transaction: committed when it returns, rolled back when it throws. A failure is a
     * {@link StoreException} that tells whether running the same work again can succeed.
     */
    public <T> T inTransaction(HandleWork<T> work) {
        try {
            return jdbi.inTransaction(handle -> work.run(handle));
        } catch (JdbiException e) {
            throw StoreException.of(e);
        } catch (SQLException e) {
            throw StoreException.of(e);
        }
    }

    /** Runs {@code work} on a pooled handle in auto-commit mode. */
    public <T> T withHandle(HandleWork<T> work) {
        try {
            return jdbi.withHandle(handle -> work.run(handle));
        } catch (JdbiException e) {
            throw StoreException.of(e);
        } catch (SQLException e) {
            throw StoreException.of(e);
        }
    }

    /** Runs {@code work} on a pooled connection in auto-commit mode (plain JDBC, for tools and tests). */
    public <T> T withConnection(SqlWork<T> work) {
        try (Connection connection = pool.getConnection()) {
            return work.run(connection);
        } catch (SQLException e) {
            throw StoreException.of(e);
        }
    }

    private static final String PING = "SELECT 1";
    private static final String READ_SETTING = "SELECT value FROM <rollup>.settings WHERE name = :name";
    private static final String INSERT_SETTING =
            "INSERT INTO <rollup>.settings (name, value) VALUES (:name, :value) ON CONFLICT (name) DO NOTHING";

    /** Round trip to the database; throws when it does not answer. */
    public Duration ping() {
        long start = System.nanoTime();
        withHandle(handle -> handle.createQuery(PING).mapTo(Integer.class).one());
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /** The recorded cutover instant, if the ingest or a backfill has recorded one. */
    public Optional<Instant> cutover() {
        return withHandle(handle -> readSetting(handle, "cutover").map(v -> Instant.ofEpochMilli(Long.parseLong(v))));
    }

    /**
     * Records {@code proposed} as the cutover instant unless one is recorded already; returns the one in force.
     * Live ingest counts events at or after it, backfill Omni's rows before it.
     */
    public Instant ensureCutover(Instant proposed) {
        return inTransaction(handle -> {
            handle.createUpdate(INSERT_SETTING).bind("name", "cutover")
                    .bind("value", Long.toString(proposed.toEpochMilli())).execute();
            return Instant.ofEpochMilli(Long.parseLong(readSetting(handle, "cutover").orElseThrow()));
        });
    }

    private static Optional<String> readSetting(Handle handle, String name) {
        return handle.createQuery(READ_SETTING).bind("name", name).mapTo(String.class).findOne();
    }

    @Override
    public void close() {
        pool.close();
    }

    private static void rollbackQuietly(Connection connection, Exception cause) {
        try {
            connection.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    private static void requireIdentifier(String name, String key) {
        if (!IDENTIFIER.matcher(name).matches()) {
            throw new IllegalArgumentException(key + " '" + name + "' must be a lower-case SQL identifier");
        }
    }

    /** Work on a connection that may throw {@link SQLException}. */
    @FunctionalInterface
    public interface SqlWork<T> {
        T run(Connection connection) throws SQLException;
    }

    /** Work on a Jdbi handle; may throw {@link SQLException} where it uses the handle's connection directly. */
    @FunctionalInterface
    public interface HandleWork<T> {
        T run(Handle handle) throws SQLException;
    }
}
