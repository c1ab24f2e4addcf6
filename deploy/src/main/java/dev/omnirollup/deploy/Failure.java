package dev.omnirollup.deploy;

/**
 * A failure the launcher reports as one line (the problem, then the fix) with a specific exit status. Anything
 * else that escapes a command is reported by its root message with exit status {@link #FAILED}.
 */
final class Failure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Something failed while running. */
    static final int FAILED = 1;
    /** Invalid command line, configuration or range. */
    static final int INVALID = 2;
    /** A service omni-rollup needs (PostgreSQL, NATS, a port) is not available. */
    static final int UNAVAILABLE = 3;
    /** Stopped by Ctrl-C or SIGTERM before the work was done (128 + SIGINT). */
    static final int INTERRUPTED = 130;

    private final int exitCode;

    Failure(int exitCode, String problem, String fix, Throwable cause) {
        super(fix.isEmpty() ? problem : problem + ". Fix: " + fix, cause);
        this.exitCode = exitCode;
    }

    Failure(int exitCode, String problem, String fix) {
        this(exitCode, problem, fix, null);
    }

    int exitCode() {
        return exitCode;
    }
}
