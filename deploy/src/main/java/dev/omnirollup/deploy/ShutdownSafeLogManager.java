package dev.omnirollup.deploy;

import java.util.logging.LogManager;

/**
 * The JDK's LogManager closes every handler in its own shutdown hook, so the lines that say what stopped would be
 * lost. This one resets only when {@link Logging} asks. Installed by {@link OmniRollup#main} through the
 * {@code java.util.logging.manager} system property, before anything logs.
 */
public final class ShutdownSafeLogManager extends LogManager {
    private static volatile boolean resetAllowed;

    public ShutdownSafeLogManager() {
        super();
    }

    @Override
    public void reset() {
        if (resetAllowed) {
            super.reset();
        }
    }

    /** Resets the configuration on request (not at JVM exit). */
    static void resetNow() {
        resetAllowed = true;
        try {
            LogManager.getLogManager().reset();
        } finally {
            resetAllowed = false;
        }
    }
}
