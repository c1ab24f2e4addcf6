package dev.omnirollup.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

class OneLineFormatterTest {
    private static LogRecord record(Level level, String message, Throwable thrown) {
        LogRecord record = new LogRecord(level, message);
        record.setInstant(Instant.parse("2026-02-09T10:00:00.123Z"));
        record.setLoggerName("dev.omnirollup.ingest.IngestDaemon");
        record.setThrown(thrown);
        return record;
    }

    @Test
    void timestampLevelLoggerMessageOnOneLine() {
        String line = new OneLineFormatter(false).format(record(Level.INFO, "ingest started:\nstreams [MESSAGE]", null));
        assertEquals("2026-02-09T10:00:00.123Z INFO  IngestDaemon ingest started: streams [MESSAGE]"
                + System.lineSeparator(), line);
    }

    @Test
    void exceptionsStayOnTheLineUnlessVerbose() {
        IllegalStateException boom = new IllegalStateException("boom");
        String quiet = new OneLineFormatter(false).format(record(Level.WARNING, "stopping failed", boom));
        assertEquals("2026-02-09T10:00:00.123Z WARN  IngestDaemon stopping failed | java.lang.IllegalStateException: "
                + "boom" + System.lineSeparator(), quiet);
        String verbose = new OneLineFormatter(true).format(record(Level.SEVERE, "stopping failed", boom));
        assertTrue(verbose.startsWith("2026-02-09T10:00:00.123Z ERROR IngestDaemon stopping failed | "), verbose);
        assertTrue(verbose.contains("\tat dev.omnirollup.deploy.OneLineFormatterTest"), verbose);
    }

    @Test
    void levelNames() {
        assertEquals("DEBUG", OneLineFormatter.level(Level.FINE));
        assertEquals("TRACE", OneLineFormatter.level(Level.FINEST));
        assertEquals("-", OneLineFormatter.shortName(null));
        assertEquals("Root", OneLineFormatter.shortName("Root"));
    }
}
