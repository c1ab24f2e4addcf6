package dev.omnirollup.store;

/** The one-line reason of a failure, for logs and error messages. */
public final class RootCause {
    private RootCause() {
    }

    /**
     * The first line of the innermost cause's message (the driver's or the socket's own words), or of {@code e}'s
     * when the innermost has none, or the innermost cause's class name.
     */
    public static String message(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        if (message == null || message.isBlank()) {
            message = e.getMessage() == null || e.getMessage().isBlank() ? root.getClass().getSimpleName()
                    : e.getMessage();
        }
        return message.lines().findFirst().orElse(message).strip();
    }
}
