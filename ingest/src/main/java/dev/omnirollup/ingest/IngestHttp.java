package dev.omnirollup.ingest;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.omnirollup.store.Metrics;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The ingest's own small HTTP endpoint: {@code /metrics} (Prometheus text) and {@code /health} (200 or 503; its
 * {@code active} says whether this process consumes or stands by).
 */
public final class IngestHttp implements AutoCloseable {
    private final HttpServer server;

    private IngestHttp(HttpServer server) {
        this.server = server;
    }

    /** Starts on the port (0 = no server). */
    public static IngestHttp start(int port, Metrics metrics, IngestDaemon daemon) {
        if (port == 0) {
            return new IngestHttp(null);
        }
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(port), 16);
            server.createContext("/metrics", exchange -> respond(exchange, 200,
                    "text/plain; version=0.0.4; charset=utf-8", metrics.scrape()));
            server.createContext("/health", exchange -> {
                boolean healthy = daemon.isHealthy();
                respond(exchange, healthy ? 200 : 503, "application/json",
                        "{\"status\":\"" + (healthy ? "healthy" : "degraded") + "\",\"active\":" + daemon.isActive()
                                + ",\"partitions\":" + daemon.activePartitions() + "}");
            });
            server.start();
            return new IngestHttp(server);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on port " + port + " for /metrics: " + e.getMessage(), e);
        }
    }

    private static void respond(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop(0);
        }
    }
}
