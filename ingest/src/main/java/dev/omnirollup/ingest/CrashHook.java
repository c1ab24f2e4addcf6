package dev.omnirollup.ingest;

/**
 * A fault-injection seam for tests: with the system property {@code omnirollup.crashAfterCommit=N} the process
 * halts (like {@code kill -9}, no shutdown hooks) right after its N-th committed batch and before acking it.
 */
final class CrashHook {
    private final long crashAfter;
    private long commits;

    private CrashHook(long crashAfter) {
        this.crashAfter = crashAfter;
    }

    static CrashHook fromSystemProperties() {
        return new CrashHook(Long.getLong("omnirollup.crashAfterCommit", 0));
    }

    static CrashHook none() {
        return new CrashHook(0);
    }

    synchronized void afterCommit() {
        commits++;
        if (crashAfter > 0 && commits >= crashAfter) {
            Runtime.getRuntime().halt(137);
        }
    }
}
