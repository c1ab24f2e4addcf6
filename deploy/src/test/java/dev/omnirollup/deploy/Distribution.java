package dev.omnirollup.deploy;

import dev.omnirollup.sim.ScratchNats;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The built distribution ({@code deploy/target/omni-rollup}) run as a separate process, as an operator runs it:
 * {@code bin/omni-rollup <command>} with only the given {@code OMNI_ROLLUP_*} variables, its output (stdout and
 * stderr merged) collected line by line.
 */
final class Distribution implements AutoCloseable {
    static final Path HOME = Path.of(System.getProperty("omni-rollup.distribution", "target/omni-rollup"))
            .toAbsolutePath();
    static final Path LAUNCHER = HOME.resolve("bin/omni-rollup");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Process process;
    private final List<String> lines = new ArrayList<>();
    private final Thread reader;

    private Distribution(Process process) {
        this.process = process;
        this.reader = new Thread(this::read, "distribution-output");
        this.reader.setDaemon(true);
        this.reader.start();
    }

    /** Starts {@code bin/omni-rollup args...} with the environment's OMNI_ROLLUP_* replaced by {@code settings}. */
    static Distribution start(Map<String, String> settings, String... args) {
        if (!Files.isExecutable(LAUNCHER)) {
            throw new IllegalStateException(LAUNCHER + " is missing: the distribution is built in the package phase");
        }
        List<String> command = new ArrayList<>();
        command.add(LAUNCHER.toString());
        command.addAll(Arrays.asList(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().keySet().removeIf(k -> k.startsWith("OMNI_ROLLUP_"));
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().put("JAVA_OPTS", "-Xmx256m");
        builder.environment().putAll(settings);
        try {
            return new Distribution(builder.start());
        } catch (IOException e) {
            throw new IllegalStateException("starting " + command + " failed", e);
        }
    }

    /** Runs to completion (at most {@code timeout}); returns the exit status. */
    static Result run(Duration timeout, Map<String, String> settings, String... args) {
        try (Distribution distribution = start(settings, args)) {
            int status = distribution.await(timeout);
            return new Result(status, distribution.output());
        }
    }

    record Result(int status, List<String> lines) {
        String text() {
            return String.join("\n", lines);
        }
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                synchronized (lines) {
                    lines.add(line);
                    lines.notifyAll();
                }
            }
        } catch (IOException e) {
            // the process went away
        }
    }

    /** Every line so far. */
    List<String> output() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    /** Waits for a line matching {@code test}; fails with the output so far when the process ends or time is up. */
    String awaitLine(Predicate<String> test, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lines) {
            int seen = 0;
            while (true) {
                for (; seen < lines.size(); seen++) {
                    if (test.test(lines.get(seen))) {
                        return lines.get(seen);
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || (!process.isAlive() && !reader.isAlive())) {
                    throw new AssertionError("no expected line within " + timeout + " (alive: " + process.isAlive()
                            + "); output:\n" + String.join("\n", lines));
                }
                try {
                    lines.wait(Math.max(1, Math.min(200, TimeUnit.NANOSECONDS.toMillis(left))));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted", e);
                }
            }
        }
    }

    /** Waits for the process to end and its output to be read; returns the exit status. */
    int await(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("still running after " + timeout + "; output:\n" + String.join("\n", output()));
            }
            reader.join(5_000);
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Sends a signal (INT as Ctrl-C does, TERM as systemd and Kubernetes do, KILL). */
    void signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
            kill.waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The settings that point a process at a scratch NATS: its URL, subject prefix and stream names. */
    static Map<String, String> natsSettings(ScratchNats nats) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("OMNI_ROLLUP_NATS_URL", nats.url());
        settings.put("OMNI_ROLLUP_NATS_SUBJECT_PREFIX", nats.prefix());
        settings.put("OMNI_ROLLUP_MESSAGE_STREAM", nats.streamName("MESSAGE"));
        settings.put("OMNI_ROLLUP_AUTOMATION_STREAM", nats.streamName("AUTOMATION"));
        return settings;
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** GET with an optional API key; status and body. */
    static HttpResponse<String> get(String url, Optional<String> apiKey) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET();
        apiKey.ifPresent(key -> request.header("x-api-key", key));
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AssertionError("GET " + url + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
