package dev.omnirollup.deploy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;

/**
 * One log line per record: {@code 2026-02-09T10:00:00.123Z INFO  IngestDaemon ingest started …}. A thrown exception
 * is appended to the same line as {@code | <exception>}; its stack trace follows only when {@code stackTraces} is on
 * ({@code --verbose}). Thread-safe.
 */
final class OneLineFormatter extends Formatter {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private final boolean stackTraces;

    OneLineFormatter(boolean stackTraces) {
        this.stackTraces = stackTraces;
    }

    @Override
    public String format(LogRecord record) {
        StringBuilder line = new StringBuilder(160);
        line.append(TIME.format(Instant.ofEpochMilli(record.getMillis()))).append(' ');
        line.append(String.format("%-5s", level(record.getLevel()))).append(' ');
        line.append(shortName(record.getLoggerName())).append(' ');
        line.append(oneLine(formatMessage(record)));
        Throwable thrown = record.getThrown();
        if (thrown != null) {
            line.append(" | ").append(oneLine(thrown.toString()));
            if (stackTraces) {
                StringWriter trace = new StringWriter();
                thrown.printStackTrace(new PrintWriter(trace));
                line.append(System.lineSeparator()).append(trace.toString().stripTrailing());
            }
        }
        return line.append(System.lineSeparator()).toString();
    }

    static String level(Level level) {
        int value = level.intValue();
        if (value >= Level.SEVERE.intValue()) {
            return "ERROR";
        }
        if (value >= Level.WARNING.intValue()) {
            return "WARN";
        }
        if (value >= Level.INFO.intValue()) {
            return "INFO";
        }
        return value >= Level.FINE.intValue() ? "DEBUG" : "TRACE";
    }

    static String shortName(String loggerName) {
        if (loggerName == null || loggerName.isEmpty()) {
            return "-";
        }
        int dot = loggerName.lastIndexOf('.');
        return dot < 0 || dot == loggerName.length() - 1 ? loggerName : loggerName.substring(dot + 1);
    }

    private static String oneLine(String text) {
        return text == null ? "" : text.replace("\r", "").replace('\n', ' ').strip();
    }
}
