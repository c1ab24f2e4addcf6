package dev.omnirollup.bench;

import dev.omnirollup.api.QueryApi;
import dev.omnirollup.api.QueryServer;
import dev.omnirollup.store.Config;
import dev.omnirollup.store.NatsEdge;
import dev.omnirollup.store.RollupDatabase;
import io.nats.client.Connection;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * The query API alone in its own process, for the benchmarks (the launcher's {@code serve} does the same): configured
 * by {@code OMNI_ROLLUP_*} variables, connected to NATS for the health checks as in production, stopped by SIGTERM.
 * Prints {@code READY port=<port>} once it listens.
 */
public final class ApiMain {
    private ApiMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        Config config = Config.load(Optional.empty(), System.getenv());
        String url = config.get(Config.DATABASE_URL).orElseThrow(() -> new Config.ConfigException(
                "database-url is required (set OMNI_ROLLUP_DATABASE_URL)"));
        RollupDatabase database = RollupDatabase.open(url, config.get(Config.ROLLUP_SCHEMA),
                config.get(Config.OMNI_SCHEMA), config.get(Config.DATABASE_POOL_SIZE), "bench-api");
        database.migrate();
        Connection nats = NatsEdge.connect(config, "bench-api", Duration.ofSeconds(5));
        QueryServer server = QueryApi.start(config, database, InstantSource.system(), Optional.of(nats));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            try {
                nats.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            database.close();
            stopped.countDown();
        }, "api-shutdown"));
        System.out.println("READY port=" + server.port());
        System.out.flush();
        stopped.await();
    }
}
