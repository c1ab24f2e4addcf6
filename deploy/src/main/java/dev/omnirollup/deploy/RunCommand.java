package dev.omnirollup.deploy;

import dev.omnirollup.api.QueryServer;
import dev.omnirollup.store.Config;
import dev.omnirollup.store.RollupDatabase;
import dev.omnirollup.store.StoreSettings;
import io.nats.client.Connection;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.logging.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code serve}, {@code ingest} and {@code all}: run until SIGINT/SIGTERM, then stop gracefully. */
abstract class RunCommand implements Callable<Integer>, UsesSharedOptions {
    private static final Logger LOG = Logger.getLogger(RunCommand.class.getName());

    @Mixin
    SharedOptions sharedOptions;

    private final String name;
    private final boolean ingest;
    private final boolean api;

    RunCommand(String name, boolean ingest, boolean api) {
        this.name = name;
        this.ingest = ingest;
        this.api = api;
    }

    @Override
    public SharedOptions sharedOptions() {
        return sharedOptions;
    }

    @Override
    public Integer call() throws InterruptedException {
        Config config = sharedOptions.start(name);
        String url = Startup.requireDatabaseUrl(config, name);
        InstantSource clock = InstantSource.system();
        Lifecycle lifecycle = new Lifecycle(name);
        List<String> running = new ArrayList<>();
        try {
            RollupDatabase database = ingest
                    ? lifecycle.add("database pool", Startup.openDatabase(config, url, "omni-rollup-" + name,
                            config.get(StoreSettings.DATABASE_POOL_SIZE)))
                    : Startup.openApiDatabase(config, url, "omni-rollup-" + name, lifecycle);
            Connection nats = Startup.connectNats(config, "omni-rollup-" + name);
            lifecycle.add("NATS connection", Startup.closing(nats));
            Startup.migrate(database, config);
            if (ingest) {
                Startup.startIngest(config, database, nats, clock, lifecycle);
                running.add("ingest on " + config.get(StoreSettings.MESSAGE_STREAM) + " and "
                        + config.get(StoreSettings.AUTOMATION_STREAM));
            }
            if (api) {
                RollupDatabase reads = ingest ? Startup.openApiDatabase(config, url, "omni-rollup-" + name + "-api",
                        lifecycle) : database;
                QueryServer server = Startup.startApi(config, reads, Optional.of(nats), clock, lifecycle);
                running.add("API on http://" + Startup.displayHost(config) + ":" + server.port() + "/api/v2");
            }
        } catch (RuntimeException e) {
            lifecycle.abort();
            throw e;
        }
        LOG.info(() -> "omni-rollup " + name + " running: " + String.join(", ", running) + " (Ctrl-C or SIGTERM stops)");
        lifecycle.awaitStop();
        return 0;
    }

    @Command(name = "serve", mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false,
            description = {"Run the query API only: Omni's dashboard endpoints under /api/v2 on http-host:http-port, "
                    + "answered from the rollups.",
                "Needs database-url (read replicas are fine) and nats-url (for the health report)."})
    static final class Serve extends RunCommand {
        Serve() {
            super("serve", false, true);
        }
    }

    @Command(name = "ingest", mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false,
            description = {"Run the ingest daemon only: consume Omni's MESSAGE and AUTOMATION streams on one durable "
                    + "consumer and fold every event into the rollups exactly once.",
                "Start as many as you like on the same consumer; /metrics and /health on ingest-metrics-port.",
                "The first start records the cutover: history before it comes from 'omni-rollup backfill'."})
    static final class Ingest extends RunCommand {
        Ingest() {
            super("ingest", true, false);
        }
    }

    @Command(name = "all", mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false,
            description = {"Run the ingest daemon and the query API in one process (small installations).",
                "The same as 'ingest' and 'serve' side by side, sharing one NATS connection; the API gets its own database pool."})
    static final class All extends RunCommand {
        All() {
            super("all", true, true);
        }
    }
}
