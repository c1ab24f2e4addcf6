package dev.omnirollup.api;

import io.helidon.webserver.WebServer;
import java.net.URI;

/** A running query API: its port, and {@link #close()} to stop the server and its background work. */
public final class QueryServer implements AutoCloseable {
    private final WebServer server;
    private final QueryApi api;

    QueryServer(WebServer server, QueryApi api) {
        this.server = server;
        this.api = api;
    }

    /** The port the server listens on (the chosen one when configured with 0). */
    public int port() {
        return server.port();
    }

    /** {@code http://127.0.0.1:<port>} (the server may listen on other addresses too). */
    public URI localUri() {
        return URI.create("http://127.0.0.1:" + port());
    }

    public QueryApi api() {
        return api;
    }

    /** Ends the live streams, stops the web server, then the API's background work. Idempotent. */
    @Override
    public void close() {
        api.closeStreams();
        if (server.isRunning()) {
            server.stop();
        }
        api.close();
    }
}
