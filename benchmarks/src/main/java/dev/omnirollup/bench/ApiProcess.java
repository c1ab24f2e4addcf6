package dev.omnirollup.bench;

import dev.omnirollup.sim.ScratchDatabase;
import dev.omnirollup.sim.ScratchNats;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Starting the query API (the launcher's {@code omni-rollup serve}) as a child JVM the way the benchmarks configure it. */
final class ApiProcess {
    /** The static API key every benchmark request carries. */
    static final String KEY = "omni_sk_" + "B".repeat(32);
    private static final Pattern READY = Pattern.compile("API on http://[^/]+:(\\d+)/api/v2");

    private ApiProcess() {
    }

    /**
     * Starts an API on a scratch Omni's database with caching off ({@code cache-ttl: 0s}), no effective rate limit
     * and the scratch stream pair and {@code consumer} for its health checks.
     */
    static Running start(String name, ScratchDatabase db, ScratchNats nats, String consumer, Path logs, boolean jfr) {
        return start(name, db.jdbcUrl(), nats.streamName("MESSAGE"), nats.streamName("AUTOMATION"), consumer, logs,
                jfr, "");
    }

    /**
     * Starts an API on {@code jdbcUrl} as {@link #start(String, ScratchDatabase, ScratchNats, String, Path, boolean)}
     * does, with the given stream names and PostgreSQL session settings for the API's connections
     * ({@code --api-pg-options}, e.g. {@code -c max_parallel_workers_per_gather=0}) passed in the JDBC URL's
     * {@code options} parameter.
     */
    static Running start(String name, String jdbcUrl, String messageStream, String automationStream, String consumer,
                         Path logs, boolean jfr, String pgOptions) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("database-url", pgOptions.isBlank() ? jdbcUrl : jdbcUrl + (jdbcUrl.contains("?") ? "&" : "?")
                + "options=" + URLEncoder.encode(pgOptions, StandardCharsets.UTF_8));
        settings.put("nats-url", BenchServers.natsUrl());
        settings.put("http-host", "127.0.0.1");
        settings.put("http-port", "0");
        settings.put("api-key", KEY);
        settings.put("rate-limit", "100000000");
        settings.put("cache-ttl", "0s");
        settings.put("message-stream", messageStream);
        settings.put("automation-stream", automationStream);
        settings.put("ingest-consumer", consumer);
        ChildJvm child = ChildJvm.start(name, "serve", ChildJvm.env(settings), logs, jfr, READY,
                Duration.ofSeconds(60));
        Matcher ready = child.awaitOutput(READY, Duration.ofSeconds(1));
        return new Running(child, Integer.parseInt(ready.group(1)));
    }

    /** A running API child and its port. */
    record Running(ChildJvm child, int port) implements AutoCloseable {
        HttpProbe probe() {
            return new HttpProbe("127.0.0.1", port, KEY);
        }

        @Override
        public void close() {
            child.close();
        }
    }
}
