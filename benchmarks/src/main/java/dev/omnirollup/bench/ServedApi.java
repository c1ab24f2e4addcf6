package dev.omnirollup.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The query API as deployed: {@code omni-rollup serve} started by the launcher in its own process ({@code -Xmx256m}
 * in {@code JAVA_OPTS}, as the systemd unit runs it), configured by {@code OMNI_ROLLUP_*} variables, ready once
 * {@code /api/v2/health} answers 200. Stopped with SIGTERM.
 */
final class ServedApi implements AutoCloseable {
    /** The static API key every request carries ({@code api-key}). */
    static final String KEY = ApiProcess.KEY;
    static final String HOST = "127.0.0.1";

    private final Process process;
    private final int port;
    private final Path log;
    private boolean closed;

    private ServedApi(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /**
     * Starts the API on {@code jdbcUrl}: caching off ({@code cache-ttl: 0s}, every request reads), the rate limit out
     * of the way (one client sends thousands of requests a minute), stream names no stream has (the health report's
     * NATS checks still run), every other setting at its default.
     */
    static ServedApi start(Launcher launcher, String name, String jdbcUrl, String schema, Path logs,
                           Duration timeout) {
        int port = freePort();
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("database-url", jdbcUrl);
        settings.put("rollup-schema", schema);
        settings.put("nats-url", BenchServers.natsUrl());
        settings.put("http-host", HOST);
        settings.put("http-port", Integer.toString(port));
        settings.put("api-key", KEY);
        settings.put("rate-limit", "100000000");
        settings.put("cache-ttl", "0s");
        settings.put("message-stream", "BENCH_CLIENT_NO_MESSAGE");
        settings.put("automation-stream", "BENCH_CLIENT_NO_AUTOMATION");
        Process process = launcher.start(name, List.of("serve"), settings, Map.of("JAVA_OPTS", javaOpts()), logs);
        ServedApi api = new ServedApi(process, port, logs.resolve(name + ".log"));
        try {
            api.awaitHealthy(timeout);
        } catch (RuntimeException e) {
            api.close();
            throw e;
        }
        return api;
    }

    /** {@code -Xmx256m}, as the systemd unit, plus {@code BENCH_API_JAVA_OPTS} (e.g. GC logging or a JFR recording). */
    static String javaOpts() {
        String extra = System.getenv().getOrDefault("BENCH_API_JAVA_OPTS", "").strip();
        return extra.isEmpty() ? "-Xmx256m" : "-Xmx256m " + extra;
    }

    private void awaitHealthy(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("omni-rollup serve exited with " + process.exitValue()
                        + " before it was healthy:\n" + ChildJvm.tail(output()));
            }
            try (HttpProbe probe = HttpProbe.keepAlive(HOST, port, "")) {
                HttpProbe.Reply reply = probe.get("/api/v2/health");
                if (reply.status() == 200) {
                    return;
                }
                last = reply.status() + " " + reply.text();
            } catch (IOException e) {
                last = e.toString();
            }
            ChildJvm.sleep(100);
        }
        throw new IllegalStateException("omni-rollup serve was not healthy within " + timeout + " (last: " + last
                + "):\n" + ChildJvm.tail(output()));
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    /** A client on one keep-alive connection. */
    HttpProbe keepAlive() {
        return HttpProbe.keepAlive(HOST, port, KEY);
    }

    /** A client that opens a new connection for every request. */
    HttpProbe newConnections() {
        return HttpProbe.newConnectionEach(HOST, port, KEY);
    }

    String output() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        ChildJvm.stop(process);
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }
}
