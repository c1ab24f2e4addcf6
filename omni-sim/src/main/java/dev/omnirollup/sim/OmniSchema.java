package dev.omnirollup.sim;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.JdbiException;

/**
 * Omni's tables: the DDL script {@code deploy/sql/omni-schema.sql} (the file operators and the compose recipe load),
 * packaged as the classpath resource {@value #RESOURCE} and run through Jdbi. One file, no copy in code; its text is
 * fixed at build time and takes no values. Creating the tables is idempotent and happens in the handle's current
 * schema.
 */
public final class OmniSchema {

    static final String RESOURCE = "omni/omni-schema.sql";

    private static final String SCRIPT = load();

    private OmniSchema() {
    }

    /** The DDL script, one string of {@code CREATE ... IF NOT EXISTS} statements. */
    public static String sql() {
        return SCRIPT;
    }

    /** Creates every Omni table and index that does not exist yet, in the handle's current schema. */
    public static void create(Handle handle) {
        try {
            handle.createScript(SCRIPT).execute();
        } catch (JdbiException e) {
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
