package dev.omnirollup.sim;

import dev.omnirollup.testservices.TestServices;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;

/**
 * A fresh, empty PostgreSQL database with a random name ({@code omni_rollup_t_<random>}) for one test or benchmark,
 * dropped again by {@link #close()}.
 *
 * <p>The server comes from {@link TestServices#postgresUrl()}: the environment variable {@value #SERVER_ENV} (a
 * {@code jdbc:postgresql://} URL of any database on it, or {@code postgres://user:pass@host:port/db}), else
 * {@value #DEFAULT_SERVER} when it answers, else a container when Docker is there. Thread-safe
 * for {@link #connect()}; create and close from one thread.
 */
public final class ScratchDatabase implements AutoCloseable {

    public static final String SERVER_ENV = TestServices.POSTGRES_ENV;
    public static final String DEFAULT_SERVER = TestServices.POSTGRES_DEFAULT;
    static final String NAME_PREFIX = "omni_rollup_t_";

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

    private final String serverUrl;
    private final String name;
    private final String jdbcUrl;
    private boolean closed;

    private ScratchDatabase(String serverUrl, String name) {
        this.serverUrl = serverUrl;
        this.name = name;
        this.jdbcUrl = withDatabase(serverUrl, name);
    }

    /** Creates a scratch database on the tests' server ({@link TestServices#postgresUrl()}). */
    public static ScratchDatabase create() {
        return create(TestServices.postgresUrl());
    }

    /** Creates a scratch database on the server that {@code serverUrl} (JDBC or postgres:// form) points at. */
    public static ScratchDatabase create(String serverUrl) {
        String server = normalize(serverUrl);
        ScratchDatabase db = new ScratchDatabase(server, NAME_PREFIX + randomSuffix(12));
        try (Connection admin = DriverManager.getConnection(server);
                Statement statement = admin.createStatement()) {
            statement.execute("CREATE DATABASE " + db.name + " ENCODING 'UTF8' TEMPLATE template0");
        } catch (SQLException e) {
            throw new OmniSimException("creating scratch database " + db.name + " on " + redact(server) + " failed: "
                    + e.getMessage(), e);
        }
        return db;
    }

    /**
     * A new scratch database holding a file-level copy of this one ({@code CREATE DATABASE ... TEMPLATE ...
     * STRATEGY FILE_COPY}), e.g. to fill a big history once with {@link BulkHistory} and give every benchmark run its
     * own copy in seconds. Other sessions on this database are terminated first (a template must be idle).
     */
    public ScratchDatabase copy() {
        ScratchDatabase copy = new ScratchDatabase(serverUrl, NAME_PREFIX + randomSuffix(12));
        try (Connection admin = DriverManager.getConnection(serverUrl)) {
            terminateSessions(admin);
            try (Statement statement = admin.createStatement()) {
                statement.execute("CREATE DATABASE " + copy.name + " TEMPLATE " + name + " STRATEGY FILE_COPY");
            }
        } catch (SQLException e) {
            throw new OmniSimException("copying scratch database " + name + " to " + copy.name + " failed: "
                    + e.getMessage(), e);
        }
        return copy;
    }

    /** Creates Omni's tables ({@link OmniSchema}) in this database; returns this for chaining. */
    public ScratchDatabase withOmniSchema() {
        try (Connection connection = connect()) {
            OmniSchema.create(connection);
        } catch (SQLException e) {
            throw new OmniSimException("closing connection to " + name + " failed", e);
        }
        return this;
    }

    /** The database name, {@code omni_rollup_t_} followed by 12 random lower-case letters and digits. */
    public String name() {
        return name;
    }

    /** JDBC URL of this database, with the user (and password, if any) as query parameters. */
    public String jdbcUrl() {
        return jdbcUrl;
    }

    /** JDBC URL of the maintenance database this one was created from. */
    public String serverUrl() {
        return serverUrl;
    }

    /** A new connection to this database (auto-commit on); the caller closes it. */
    public Connection connect() {
        try {
            return DriverManager.getConnection(jdbcUrl);
        } catch (SQLException e) {
            throw new OmniSimException("connecting to " + redact(jdbcUrl) + " failed: " + e.getMessage(), e);
        }
    }

    /** Runs one SQL script (statements separated by semicolons) in this database. */
    public void execute(String sql) {
        try (Connection connection = connect();
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new OmniSimException("executing SQL in " + name + " failed: " + e.getMessage(), e);
        }
    }

    /** Terminates every other session on this database and drops it. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try (Connection admin = DriverManager.getConnection(serverUrl)) {
            terminateSessions(admin);
            try (Statement statement = admin.createStatement()) {
                statement.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            }
        } catch (SQLException e) {
            throw new OmniSimException("dropping scratch database " + name + " failed: " + e.getMessage(), e);
        }
    }

    private void terminateSessions(Connection admin) throws SQLException {
        try (PreparedStatement terminate = admin.prepareStatement(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()")) {
            terminate.setString(1, name);
            terminate.execute();
        }
    }

    @Override
    public String toString() {
        return "ScratchDatabase[" + redact(jdbcUrl) + "]";
    }

    static String randomSuffix(int length) {
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            sb.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return sb.toString();
    }

    /** Turns a postgres:// URL into JDBC form and makes sure a user is given. */
    static String normalize(String url) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException(SERVER_ENV + " must be a PostgreSQL URL, got: '" + url + "'");
        }
        String jdbc = url.strip();
        if (jdbc.startsWith("postgres://") || jdbc.startsWith("postgresql://")) {
            jdbc = fromLibpq(jdbc);
        }
        if (!jdbc.startsWith("jdbc:postgresql://")) {
            throw new IllegalArgumentException(SERVER_ENV + " must start with jdbc:postgresql:// or postgres://, got: '"
                    + redact(jdbc) + "'");
        }
        String query = jdbc.contains("?") ? jdbc.substring(jdbc.indexOf('?') + 1) : "";
        boolean hasUser = false;
        for (String parameter : query.split("&")) {
            if (parameter.toLowerCase(Locale.ROOT).startsWith("user=")) {
                hasUser = true;
            }
        }
        if (!hasUser) {
            jdbc = jdbc + (jdbc.contains("?") ? "&" : "?") + "user=postgres";
        }
        return jdbc;
    }

    /** The same server URL pointing at database {@code database} instead. */
    static String withDatabase(String jdbcUrl, String database) {
        String rest = jdbcUrl.substring("jdbc:postgresql://".length());
        int query = rest.indexOf('?');
        String path = query < 0 ? rest : rest.substring(0, query);
        String parameters = query < 0 ? "" : rest.substring(query);
        int slash = path.indexOf('/');
        String hosts = slash < 0 ? path : path.substring(0, slash);
        return "jdbc:postgresql://" + hosts + "/" + database + parameters;
    }

    private static String fromLibpq(String url) {
        URI uri = URI.create(url);
        StringBuilder jdbc = new StringBuilder("jdbc:postgresql://").append(uri.getHost());
        if (uri.getPort() > 0) {
            jdbc.append(':').append(uri.getPort());
        }
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/postgres" : uri.getRawPath();
        jdbc.append(path);
        StringBuilder query = new StringBuilder();
        String userInfo = uri.getRawUserInfo();
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            String user = URLDecoder.decode(colon < 0 ? userInfo : userInfo.substring(0, colon), StandardCharsets.UTF_8);
            query.append("user=").append(URLEncoder.encode(user, StandardCharsets.UTF_8));
            if (colon >= 0) {
                String password = URLDecoder.decode(userInfo.substring(colon + 1), StandardCharsets.UTF_8);
                query.append("&password=").append(URLEncoder.encode(password, StandardCharsets.UTF_8));
            }
        }
        if (uri.getRawQuery() != null) {
            query.append(query.isEmpty() ? "" : "&").append(uri.getRawQuery());
        }
        return query.isEmpty() ? jdbc.toString() : jdbc.append('?').append(query).toString();
    }

    private static String redact(String url) {
        return url.replaceAll("(?i)(password=)[^&]*", "$1***");
    }
}
