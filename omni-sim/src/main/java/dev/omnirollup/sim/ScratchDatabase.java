package dev.omnirollup.sim;

import dev.omnirollup.testservices.TestServices;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Locale;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.postgres.PostgresPlugin;

/**
 * A fresh, empty PostgreSQL database with a random name ({@code omni_rollup_t_<random>}) for one test or benchmark,
 * dropped again by {@link #close()}.
 *
 * <p>The server comes from {@link TestServices#postgresUrl()}: the environment variable {@value #SERVER_ENV} (a
 * {@code jdbc:postgresql://} URL of any database on it, or {@code postgres://user:pass@host:port/db}), else
 * {@value #DEFAULT_SERVER} when it answers, else a container when Docker is there. Thread-safe
 * for {@link #connect()} and {@link #jdbi()}; create and close from one thread.
 *
 * <p>{@code CREATE DATABASE} and {@code DROP DATABASE} take no parameters, so the name goes into their text as the
 * Jdbi define {@code <name>}: it is generated here from a fixed alphabet, and the constructor refuses any name that is
 * not exactly {@code omni_rollup_t_} and 12 of those characters.
 */
public final class ScratchDatabase implements AutoCloseable {

    public static final String SERVER_ENV = TestServices.POSTGRES_ENV;
    public static final String DEFAULT_SERVER = TestServices.POSTGRES_DEFAULT;
    static final String NAME_PREFIX = "omni_rollup_t_";

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
    /** Every name {@link #randomSuffix} can make after the prefix, and nothing else: a plain SQL identifier. */
    private static final Pattern NAME = Pattern.compile(NAME_PREFIX + "[a-z0-9]{12}");

    /** {@code <collation>}: empty for the server's default, else the ICU locale clause. */
    private static final String CREATE = "CREATE DATABASE <name> ENCODING 'UTF8' TEMPLATE template0<collation>";
    /** An ICU locale name (language, script, region, variants): nothing that could leave the quotes. */
    private static final Pattern ICU_LOCALE = Pattern.compile("[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*");
    private static final String CREATE_COPY = "CREATE DATABASE <name> TEMPLATE <template> STRATEGY FILE_COPY";
    private static final String DROP = "DROP DATABASE IF EXISTS <name> WITH (FORCE)";
    private static final String TERMINATE_SESSIONS =
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid()";

    private final String serverUrl;
    private final String name;
    private final String jdbcUrl;
    private final Jdbi jdbi;
    private boolean closed;

    private ScratchDatabase(String serverUrl, String name) {
        this.serverUrl = serverUrl;
        this.name = requireGeneratedName(name);
        this.jdbcUrl = withDatabase(serverUrl, name);
        this.jdbi = Jdbi.create(jdbcUrl).installPlugin(new PostgresPlugin());
    }

    /** Creates a scratch database on the tests' server ({@link TestServices#postgresUrl()}). */
    public static ScratchDatabase create() {
        return create(TestServices.postgresUrl());
    }

    /** Creates a scratch database on the server that {@code serverUrl} (JDBC or postgres:// form) points at. */
    public static ScratchDatabase create(String serverUrl) {
        return create(serverUrl, null);
    }

    /**
     * Creates a scratch database whose text sorts and compares by ICU's rules for {@code icuLocale} (e.g.
     * {@code en-US}: {@code a < B}, where a byte-wise order has {@code B < a}), as the database of an installation
     * created with a language's locale does; null for the server's default (the same as {@link #create(String)}).
     */
    public static ScratchDatabase create(String serverUrl, String icuLocale) {
        if (icuLocale != null && !ICU_LOCALE.matcher(icuLocale).matches()) {
            throw new IllegalArgumentException("not an ICU locale name: " + icuLocale);
        }
        String server = normalize(serverUrl);
        ScratchDatabase db = new ScratchDatabase(server, NAME_PREFIX + randomSuffix(12));
        try (Handle admin = Jdbi.open(server)) {
            admin.createUpdate(CREATE).define("name", db.name)
                    .define("collation", icuLocale == null ? "" : " LOCALE_PROVIDER icu ICU_LOCALE '" + icuLocale + "'")
                    .execute();
        } catch (JdbiException e) {
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
        try (Handle admin = Jdbi.open(serverUrl)) {
            terminateSessions(admin);
            admin.createUpdate(CREATE_COPY).define("name", copy.name).define("template", name).execute();
        } catch (JdbiException e) {
            throw new OmniSimException("copying scratch database " + name + " to " + copy.name + " failed: "
                    + e.getMessage(), e);
        }
        return copy;
    }

    /** Creates Omni's tables ({@link OmniSchema}) in this database; returns this for chaining. */
    public ScratchDatabase withOmniSchema() {
        try {
            jdbi.useHandle(OmniSchema::create);
        } catch (JdbiException e) {
            throw new OmniSimException("creating Omni's schema in " + name + " failed: " + e.getMessage(), e);
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

    /**
     * Jdbi over this database: each handle is a new connection (auto-commit on), made with the {@link PostgresPlugin}.
     */
    public Jdbi jdbi() {
        return jdbi;
    }

    /** Terminates every other session on this database and drops it. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try (Handle admin = Jdbi.open(serverUrl)) {
            terminateSessions(admin);
            admin.createUpdate(DROP).define("name", name).execute();
        } catch (JdbiException e) {
            throw new OmniSimException("dropping scratch database " + name + " failed: " + e.getMessage(), e);
        }
    }

    private void terminateSessions(Handle admin) {
        admin.createQuery(TERMINATE_SESSIONS).bind("name", name).mapTo(Boolean.class).list();
    }

    /** The name as {@link #randomSuffix} made it, else an exception: it becomes statement text. */
    static String requireGeneratedName(String name) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a generated scratch database name: '" + name + "'");
        }
        return name;
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

    /**
     * A JDBC URL of the database {@code database} on the server that {@code serverUrl} (JDBC or postgres:// form)
     * points at, e.g. a benchmark's data set kept between runs.
     */
    public static String databaseUrl(String serverUrl, String database) {
        return withDatabase(normalize(serverUrl), database);
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
