package dev.omnirollup.store;

import java.sql.SQLException;

/** A database operation failed; {@link #isTransient()} tells whether retrying the same work can succeed. */
public class StoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String sqlState;

    public StoreException(String message, Throwable cause) {
        super(message, cause);
        this.sqlState = cause instanceof SQLException sql ? sql.getSQLState() : null;
    }

    static StoreException of(SQLException e) {
        return new StoreException(e.getMessage(), e);
    }

    /** A Jdbi failure, with the SQL state of the database error behind it (if any). */
    static StoreException of(org.jdbi.v3.core.JdbiException e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof SQLException sql) {
                return new StoreException(sql.getMessage(), sql);
            }
        }
        return new StoreException(e.getMessage(), e);
    }

    /**
     * True for failures where the same transaction may succeed when run again: lost connections (class 08),
     * deadlocks and serialization failures (class 40), an unavailable server (57P0x) or no SQL state at all.
     */
    public boolean isTransient() {
        return sqlState == null || sqlState.startsWith("08") || sqlState.startsWith("40")
                || sqlState.startsWith("57P") || sqlState.startsWith("53");
    }
}
