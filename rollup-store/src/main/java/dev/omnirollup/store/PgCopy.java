package dev.omnirollup.store;

import java.io.IOException;
import java.io.StringReader;
import java.sql.SQLException;
import java.util.function.Consumer;
import org.jdbi.v3.core.Handle;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;
import org.postgresql.copy.CopyOut;

/**
 * PostgreSQL's {@code COPY} on a Jdbi handle's connection, which Jdbi has no API for: bulk rows in (text format,
 * or binary format streamed in chunks as they are written) and out (binary format, message by message). The
 * statements' table names are validated schema names and fixed suffixes; nothing here takes a value from a request.
 */
final class PgCopy {
    private PgCopy() {
    }

    /** Receives the CopyData messages of a {@code COPY … TO STDOUT}, in order. */
    interface Messages {
        /**
         * The first message, which in the binary format carries the header; a method of its own so that what reads
         * the others has no branch for it (a branch the JIT's profile has not seen taken is compiled as a trap).
         */
        default void first(byte[] data) {
            message(data);
        }

        /** Each message after the first. */
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
     * Runs {@code COPY … FROM STDIN (FORMAT binary)} with the rows {@code rows} writes, each chunk sent as it fills
     * (the server parses one while the next is built); nothing when it writes none. An exception from {@code rows}
     * cancels the COPY (the connection stays usable) and propagates.
     *
     * @param fields the fields of every row
     * @return the rows written
     */
    static long inBinary(Handle handle, String sql, int fields, Consumer<CopyBinaryWriter> rows) {
        CopyManager manager = manager(handle);
        CopyIn[] in = {null};
        try {
            CopyBinaryWriter writer = new CopyBinaryWriter(fields, (data, length) -> {
                try {
                    if (in[0] == null) {
                        in[0] = manager.copyIn(sql);
                    }
                    in[0].writeToCopy(data, 0, length);
                } catch (SQLException e) {
                    throw StoreException.of(e);
                }
            });
            rows.accept(writer);
            if (writer.rows() == 0) {
                return 0; // no chunk was handed on: the first goes when a row starts past the chunk's size
            }
            writer.finish();
            in[0].endCopy();
            return writer.rows();
        } catch (SQLException e) {
            throw StoreException.of(e);
        } finally {
            if (in[0] != null && in[0].isActive()) {
                try {
                    in[0].cancelCopy();
                } catch (SQLException e) {
                    // the failure that got us here is the one to report
                }
            }
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
            byte[] data = out.readFromCopy();
            if (data != null) {
                messages.first(data);
            }
            while (data != null && (data = out.readFromCopy()) != null) {
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

    /**
     * Runs {@code COPY … TO STDOUT (FORMAT binary)}: {@code reader} starts on each message in turn and {@code rows}
     * then reads the message's rows from it.
     *
     * @param what names the COPY in the error when the output ends without its trailer
     */
    static void outBinary(Handle handle, String sql, CopyBinaryReader reader, Runnable rows, String what) {
        out(handle, sql, new Messages() {
            @Override
            public void first(byte[] data) {
                reader.first(data);
                rows.run();
            }

            @Override
            public void message(byte[] data) {
                reader.message(data);
                rows.run();
            }
        });
        if (!reader.ended()) {
            throw new IllegalStateException(what + " ended without its trailer");
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
