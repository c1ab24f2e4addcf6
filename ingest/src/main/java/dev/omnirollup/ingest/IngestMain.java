package dev.omnirollup.ingest;

import dev.omnirollup.store.Config;
import dev.omnirollup.store.Metrics;
import dev.omnirollup.store.NatsEdge;
import dev.omnirollup.store.RollupDatabase;
import io.nats.client.Connection;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the ingest daemon alone until SIGTERM/SIGINT (then finishes the batches in hand). Configuration from an
 * optional YAML file given as the only argument and {@code OMNI_ROLLUP_*} variables. The launcher's
 * {@code omni-rollup ingest} does the same; this entry point lets tests run workers as separate processes.
 */
public final class IngestMain {
    private IngestMain() {
    }

    public static void main(String[] args) throws Exception {
        Config config = Config.load(args.length > 0 ? Optional.of(Path.of(args[0])) : Optional.empty(), System.getenv());
        String url = config.get(Config.DATABASE_URL).orElseThrow(() -> new Config.ConfigException(
                "database-url is required (set OMNI_ROLLUP_DATABASE_URL)"));
        RollupDatabase database = RollupDatabase.open(url, config.get(Config.ROLLUP_SCHEMA), config.get(Config.OMNI_SCHEMA),
                config.get(Config.DATABASE_POOL_SIZE), "omni-rollup-ingest");
        database.migrate();
        Connection nats = NatsEdge.connect(config, "omni-rollup-ingest", Duration.ofSeconds(5));
        Metrics metrics = new Metrics().withProcessMetrics();
        IngestDaemon daemon = IngestDaemon.start(config, database, nats, InstantSource.system(), metrics);
        IngestHttp http = IngestHttp.start(config.get(Config.INGEST_METRICS_PORT), metrics, daemon);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            daemon.close();
            http.close();
            try {
                nats.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            database.close();
            stopped.countDown();
        }, "ingest-shutdown"));
        System.out.println("ingest running (cutover " + daemon.cutover() + ")");
        stopped.await();
    }
}
