package dev.omnirollup.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * A diagnostic for the tail: with {@code BENCH_SLOW_LOG=<file>} (and optionally {@code BENCH_SLOW_MS}, default 2),
 * every request slower than that at the client is appended to the file as
 * {@code wall-clock-start client-ms server-ms path}, so that slow requests can be laid beside the API's GC log
 * ({@code BENCH_API_JAVA_OPTS=-Xlog:gc:file=...:time}) and PostgreSQL's log. Off unless the variable is set.
 * Lines are kept in memory while a batch runs and written by {@link #flush} after it, so the diagnostic does no file
 * I/O between the requests it times. Used from the benchmark's one client thread.
 */
final class SlowRequests {
    private static final Optional<Path> FILE = Optional.ofNullable(System.getenv("BENCH_SLOW_LOG")).map(Path::of);
    private static final double THRESHOLD_MS =
            Double.parseDouble(System.getenv().getOrDefault("BENCH_SLOW_MS", "2"));
    private static final long EPOCH_NANOS = System.currentTimeMillis() * 1_000_000L - System.nanoTime();
    private static final StringBuilder PENDING = new StringBuilder();

    private SlowRequests() {
    }

    static void note(String path, long startNanos, long endNanos, double serverMillis) {
        if (FILE.isEmpty()) {
            return;
        }
        double ms = (endNanos - startNanos) / 1e6;
        if (ms < THRESHOLD_MS) {
            return;
        }
        Instant start = Instant.ofEpochSecond(0, EPOCH_NANOS + startNanos);
        PENDING.append(String.format(Locale.ROOT, "%s %.3f %.3f %s%n", start, ms, serverMillis, path));
    }

    /** Appends the lines noted since the last flush to the file. */
    static void flush() {
        if (FILE.isEmpty() || PENDING.isEmpty()) {
            return;
        }
        try {
            Files.writeString(FILE.get(), PENDING, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        PENDING.setLength(0);
    }
}
