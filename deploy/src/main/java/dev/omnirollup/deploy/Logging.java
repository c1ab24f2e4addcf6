package dev.omnirollup.deploy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/**
 * The launcher's logging: java.util.logging (System.Logger, Helidon, and SLF4J through slf4j-jdk14 all end there),
 * one compact line per record on stderr. Libraries that narrate every step (connection pool, migrations, web server,
 * embedded PostgreSQL, NATS runner) are limited to warnings unless {@code --verbose}; omni-rollup's own classes log
 * one line per start, stop and reconnect.
 */
final class Logging {
    private static final Map<String, Level> QUIET = Map.of(
            "com.zaxxer.hikari", Level.WARNING,
            "org.flywaydb", Level.WARNING,
            "io.helidon", Level.WARNING,
            "io.zonky", Level.WARNING,
            "io.nats", Level.WARNING,
            "org.apache.commons", Level.WARNING);

    // strong references: LogManager only keeps weak ones, and a collected logger forgets its level
    private static final List<Logger> CONFIGURED = new ArrayList<>();

    private Logging() {
    }

    /** Replaces whatever logging configuration the JVM started with. Idempotent. */
    static synchronized void install(boolean verbose) {
        if (LogManager.getLogManager() instanceof ShutdownSafeLogManager) {
            ShutdownSafeLogManager.resetNow();
        } else {
            LogManager.getLogManager().reset();
        }
        CONFIGURED.clear();
        Logger root = Logger.getLogger("");
        Handler handler = new ConsoleHandler();
        handler.setFormatter(new OneLineFormatter(verbose));
        handler.setLevel(Level.ALL);
        root.addHandler(handler);
        root.setLevel(Level.INFO);
        CONFIGURED.add(root);
        if (verbose) {
            Logger own = Logger.getLogger("dev.omnirollup");
            own.setLevel(Level.FINE);
            CONFIGURED.add(own);
        } else {
            QUIET.forEach((name, level) -> {
                Logger logger = Logger.getLogger(name);
                logger.setLevel(level);
                CONFIGURED.add(logger);
            });
        }
    }
}
