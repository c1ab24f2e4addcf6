package dev.omnirollup.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * omni-rollup's launcher as an operator runs it, configured only by {@code OMNI_ROLLUP_*} environment variables.
 * Inherited {@code OMNI_ROLLUP_*} variables other than the test ones are removed (the launcher rejects unknown ones).
 *
 * <p>From a checkout, {@code ./omni-rollup} builds the distribution when it looks stale and then execs the
 * distribution's {@code deploy/target/omni-rollup/bin/omni-rollup}. {@link #ensureBuilt} runs the former once; every
 * other command runs the latter directly, so that no build lands inside a timed command (the wrapper's staleness check
 * compares every module's sources with a jar Maven does not rewrite when its own classes are unchanged, so after an
 * edit outside deploy/ it rebuilds on every call). Immutable.
 *
 * @param wrapper   what builds: {@code ./omni-rollup} of the checkout (or {@code command} itself)
 * @param command   the launcher executable run for every command
 * @param directory the working directory of its processes
 */
record Launcher(Path wrapper, Path command, Path directory) {

    /**
     * {@code path} when given (relative to the working directory; no build step), else {@code ./omni-rollup} of the
     * repository root and its distribution's {@code bin/omni-rollup}.
     */
    static Launcher locate(Optional<String> path) {
        if (path.isPresent()) {
            Path command = Path.of(path.get()).toAbsolutePath().normalize();
            if (!Files.isExecutable(command)) {
                throw new IllegalArgumentException("--launcher " + path.get() + " is not an executable file");
            }
            return new Launcher(command, command, Path.of("").toAbsolutePath());
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("omni-rollup");
            if (Files.isExecutable(candidate) && Files.isRegularFile(candidate)
                    && Files.exists(dir.resolve("deploy").resolve("pom.xml"))) {
                return new Launcher(candidate, dir.resolve(Path.of("deploy", "target", "omni-rollup", "bin",
                        "omni-rollup")), dir);
            }
        }
        throw new IllegalStateException("no ./omni-rollup found in the working directory or above it;"
                + " run from the repository or pass --launcher <path to bin/omni-rollup>");
    }

    /**
     * Runs {@code <wrapper> --version}, which builds the distribution first when it is missing or looks stale, then
     * checks that {@code command} runs; returns the version line.
     */
    String ensureBuilt(Path logs) {
        Launcher builder = new Launcher(wrapper, wrapper, directory);
        Finished built = builder.runToEnd("launcher-build", List.of("--version"), Map.of(), logs,
                Duration.ofMinutes(20));
        if (built.exitCode() != 0) {
            throw new IllegalStateException(wrapper + " --version exited with " + built.exitCode() + ":\n"
                    + ChildJvm.tail(built.output()));
        }
        Finished done = runToEnd("launcher-version", List.of("--version"), Map.of(), logs, Duration.ofMinutes(1));
        if (done.exitCode() != 0) {
            throw new IllegalStateException(command + " --version exited with " + done.exitCode() + ":\n"
                    + ChildJvm.tail(done.output()));
        }
        return done.output().lines().filter(l -> !l.isBlank()).findFirst().orElse("?").trim();
    }

    /** Starts {@code command args} with the given settings (kebab-case keys) and extra variables; output to a log. */
    Process start(String name, List<String> args, Map<String, String> settings, Map<String, String> extraEnv,
                  Path logs) {
        try {
            Files.createDirectories(logs);
            Path log = logs.resolve(name + ".log");
            Files.deleteIfExists(log);
            List<String> line = new ArrayList<>();
            line.add(command.toString());
            line.addAll(args);
            ProcessBuilder builder = new ProcessBuilder(line).directory(directory.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            Map<String, String> env = builder.environment();
            env.keySet().removeIf(k -> k.startsWith("OMNI_ROLLUP_") && !k.startsWith("OMNI_ROLLUP_TEST_"));
            env.putAll(ChildJvm.env(settings));
            env.putAll(extraEnv);
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("starting " + command + " " + args + " failed", e);
        }
    }

    /** Runs a command to its end (killed after {@code timeout}). */
    Finished runToEnd(String name, List<String> args, Map<String, String> settings, Path logs, Duration timeout) {
        long t0 = System.nanoTime();
        Process process = start(name, args, settings, Map.of(), logs);
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroy();
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
                throw new IllegalStateException(command + " " + args + " did not finish within " + timeout + ":\n"
                        + ChildJvm.tail(log(logs, name)));
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        return new Finished(process.exitValue(), Duration.ofNanos(System.nanoTime() - t0), log(logs, name));
    }

    private static String log(Path logs, String name) {
        try {
            return Files.readString(logs.resolve(name + ".log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** A command that ended: its exit status, wall time (process start to exit) and output. */
    record Finished(int exitCode, Duration wall, String output) {
    }
}
