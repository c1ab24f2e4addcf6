package dev.omnirollup.sim;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Omni's tables (classpath resource {@code omni/omni-schema.sql}, the same file as {@code deploy/sql/omni-schema.sql}).
 * Creating them is idempotent and happens in the connection's current schema.
 */
public final class OmniSchema {

    static final String RESOURCE = "omni/omni-schema.sql";

    private static final String SQL = load();

    private OmniSchema() {
    }

    /** The DDL script, one string of {@code CREATE ... IF NOT EXISTS} statements. */
    public static String sql() {
        return SQL;
    }

    /** Creates every Omni table and index that does not exist yet, in the connection's current schema. */
    public static void create(Connection connection) {
        try (Statement statement = connection.createStatement()) {
            statement.execute(SQL);
        } catch (SQLException e) {
            throw new OmniSimException("creating Omni's schema failed: " + e.getMessage(), e);
        }
    }

    private static String load() {
        try (InputStream in = OmniSchema.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("classpath resource " + RESOURCE + " is missing from the omni-sim jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + RESOURCE + " failed", e);
        }
    }
}
