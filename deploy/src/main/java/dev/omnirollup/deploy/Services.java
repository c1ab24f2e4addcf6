package dev.omnirollup.deploy;

import dev.omnirollup.api.QueryApi;
import dev.omnirollup.api.QueryServer;
import dev.omnirollup.ingest.IngestDaemon;
import dev.omnirollup.ingest.IngestHttp;
import dev.omnirollup.store.Config;
import dev.omnirollup.store.Metrics;
import dev.omnirollup.store.RollupDatabase;
import dev.omnirollup.store.RootCause;
import io.nats.client.Connection;
import java.net.BindException;
import java.time.InstantSource;
import java.util.Optional;
import java.util.logging.Logger;

/** Starting the ingest daemon and the query API on an open database and NATS connection. */
final class Services {
    private static final Logger LOG = Logger.getLogger(Services.class.getName());

    private Services() {
    }

    /** Starts the ingest daemon and its /metrics and /health port; both are registered with {@code lifecycle}. */
    static IngestDaemon startIngest(Config config, RollupDatabase database, Connection nats, InstantSource clock,
                                    Lifecycle lifecycle) {
        Metrics metrics = new Metrics().withProcessMetrics();
        IngestDaemon daemon;
        try {
            daemon = lifecycle.add("ingest", IngestDaemon.start(config, database, nats, clock, metrics));
        } catch (Failure e) {
            throw e;
        } catch (RuntimeException e) {
            throw new Failure(Failure.UNAVAILABLE, "the ingest could not start: " + RootCause.message(e),
                    "NATS must have JetStream enabled (nats-server -js) and allow creating streams and consumers; "
                            + "check message-stream, automation-stream and ingest-consumer", e);
        }
        int port = config.get(Config.INGEST_METRICS_PORT);
        try {
            lifecycle.add("ingest metrics", IngestHttp.start(port, metrics, daemon));
        } catch (RuntimeException e) {
            throw new Failure(Failure.UNAVAILABLE, "cannot listen on port " + port + " for the ingest's /metrics: "
                    + RootCause.message(e), "set ingest-metrics-port ("
                    + Config.INGEST_METRICS_PORT.environmentVariable() + ") to a free port, or 0 to turn it off", e);
        }
        if (port != 0) {
            LOG.info(() -> "ingest metrics on http://" + displayHost(config) + ":" + port + "/metrics and /health");
        }
        return daemon;
    }

    /** Starts the query API; registered with {@code lifecycle}. */
    static QueryServer startApi(Config config, RollupDatabase database, Optional<Connection> nats, InstantSource clock,
                                Lifecycle lifecycle) {
        try {
            QueryServer server = lifecycle.add("query API", QueryApi.start(config, database, clock, nats));
            if (server.port() <= 0) {
                // Helidon logs a listener that failed to bind and returns a server that is not running
                throw new Failure(Failure.UNAVAILABLE, "cannot listen on " + config.get(Config.HTTP_HOST) + ":"
                        + config.get(Config.HTTP_PORT) + " for the API (in use, or not an address of this host)",
                        "stop what uses the port or set http-port (" + Config.HTTP_PORT.environmentVariable()
                                + ") / http-host", null);
            }
            return server;
        } catch (Failure e) {
            throw e;
        } catch (RuntimeException e) {
            if (causedBy(e, BindException.class) || String.valueOf(RootCause.message(e)).contains("in use")) {
                throw new Failure(Failure.UNAVAILABLE, "cannot listen on " + config.get(Config.HTTP_HOST) + ":"
                        + config.get(Config.HTTP_PORT) + " for the API: " + RootCause.message(e),
                        "stop what uses the port or set http-port (" + Config.HTTP_PORT.environmentVariable() + ")", e);
            }
            throw new Failure(Failure.FAILED, "the query API could not start: " + RootCause.message(e), "", e);
        }
    }

    /** The host to print in URLs: the configured one, or 127.0.0.1 when listening on every address. */
    static String displayHost(Config config) {
        String host = config.get(Config.HTTP_HOST);
        return host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]") ? "127.0.0.1" : host;
    }

    static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
