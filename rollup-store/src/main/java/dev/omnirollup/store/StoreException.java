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

    /**
     * True for failures where the same transaction may succeed when run again: lost connections (class 08),
     * deadlocks and serialization failures (class 40), an unavailable server (57P0x) or no SQL state at all.
     */
    public boolean isTransient() {
        return sqlState == null || sqlState.startsWith("08") || sqlState.startsWith("40")
                || sqlState.startsWith("57P") || sqlState.startsWith("53");
    }
}
