package dev.omnirollup.api;

/** How a failure is put in one line, for logs and for the error texts of the health checks. Pure. */
final class Failures {
    private Failures() {
    }

    /** The first line of the innermost cause's message, or that cause's class name when it has none. */
    static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String text = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return text.lines().findFirst().orElse(text);
    }

    /** The failure's class name and {@link #rootMessage}, e.g. {@code StoreException: connection refused}. */
    static String describe(Throwable e) {
        return e.getClass().getSimpleName() + ": " + rootMessage(e);
    }
}
