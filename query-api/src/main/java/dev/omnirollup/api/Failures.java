package dev.omnirollup.api;

import dev.omnirollup.store.RootCause;

/** How a failure is put in one line, for logs and for the error texts of the health checks. Pure. */
final class Failures {
    private Failures() {
    }

    /** The failure's class name and {@link RootCause#message}, e.g. {@code StoreException: connection refused}. */
    static String describe(Throwable e) {
        return e.getClass().getSimpleName() + ": " + RootCause.message(e);
    }
}
