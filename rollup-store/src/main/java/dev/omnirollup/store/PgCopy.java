package dev.omnirollup.store;

import java.io.IOException;
import java.io.StringReader;
import java.sql.SQLException;
import org.jdbi.v3.core.Handle;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;
import org.postgresql.copy.CopyOut;

/**
 * PostgreSQL's {@code COPY} on a Jdbi handle's connection, which Jdbi has no API for: bulk rows in (text format)
 * and out (binary format, message by message). The statements' table names are validated schema names and fixed
 * suffixes; nothing here takes a value from a request.
 */
final class PgCopy {
    private PgCopy() {
    }

    /** Receives the CopyData messages of a {@code COPY … TO STDOUT}, in order. */
    interface Messages {
        void message(byte[] data);
    }

    /** Runs {@code COPY … FROM STDIN} with {@code rows} in COPY's text format; nothing when there are none. */
    static void in(Handle handle, String sql, CharSequence rows) {
        if (rows.isEmpty()) {
            return;
        }
        try {
            manager(handle).copyIn(sql, new StringReader(rows.toString()));
        } catch (SQLException e) {
            throw StoreException.of(e);
        } catch (IOException e) {
            throw new StoreException("COPY failed: " + e.getMessage(), e);
        }
    }

    /**
     * Runs {@code COPY … TO STDOUT} and hands every message to {@code messages}; an exception from
     * {@code messages} cancels the COPY (the connection stays usable) and propagates.
     */
    static void out(Handle handle, String sql, Messages messages) {
        CopyOut out = null;
        try {
            out = manager(handle).copyOut(sql);
            byte[] data;
            while ((data = out.readFromCopy()) != null) {
                messages.message(data);
            }
        } catch (SQLException e) {
            throw StoreException.of(e);
        } finally {
            if (out != null && out.isActive()) {
                try {
                    out.cancelCopy();
                } catch (SQLException e) {
                    // the failure that got us here is the one to report
                }
            }
        }
    }

    /** A value in COPY's text format: backslashes, tabs and newlines escaped. */
    static String text(String value) {
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r");
    }

    private static CopyManager manager(Handle handle) {
        try {
            return handle.getConnection().unwrap(PGConnection.class).getCopyAPI();
        } catch (SQLException e) {
            throw new StoreException("COPY is not available on this connection: " + e.getMessage(), e);
        }
    }
}
