package dev.omnirollup.bench;

import dev.omnirollup.sim.ScratchDatabase;
import dev.omnirollup.sim.ScratchNats;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Ingest workers (the launcher's {@code omni-rollup ingest}) as separate JVMs on one durable consumer, as they are deployed. */
final class IngestProcesses {
    static final Pattern READY = Pattern.compile("ingest running");

    private IngestProcesses() {
    }

    /** The settings of a worker on a scratch Omni: its database, and its subject prefix and stream pair. */
    static Map<String, String> settings(ScratchDatabase db, ScratchNats nats, String consumer, Instant cutover) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("database-url", db.jdbcUrl());
        settings.put("nats-url", BenchServers.natsUrl());
        settings.put("nats-subject-prefix", nats.prefix());
        settings.put("message-stream", nats.streamName("MESSAGE"));
        settings.put("automation-stream", nats.streamName("AUTOMATION"));
        settings.put("ingest-consumer", consumer);
        settings.put("ingest-cutover", cutover.toString());
        settings.put("ingest-metrics-port", "0");
        return settings;
    }

    /**
     * Launches {@code n} workers at once (without waiting for them), with {@code BENCH_INGEST_JAVA_OPTS} (GC choice
     * or logging, e.g. {@code -Xlog:gc+cpu:file=/tmp/gc.log}) as the API has {@code BENCH_API_JAVA_OPTS}.
     */
    static List<ChildJvm> launch(int n, String namePrefix, Map<String, String> settings, Path logs, boolean jfr) {
        String extra = System.getenv().getOrDefault("BENCH_INGEST_JAVA_OPTS", "").strip();
        List<String> options = extra.isEmpty() ? List.of() : List.of(extra.split("\\s+"));
        List<ChildJvm> workers = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            workers.add(ChildJvm.launch(namePrefix + "-" + i, "ingest", ChildJvm.env(settings), logs, jfr, options));
        }
        return workers;
    }

    static void awaitReady(List<ChildJvm> workers, Duration timeout) {
        for (ChildJvm worker : workers) {
            worker.awaitOutput(READY, timeout);
        }
    }

    static void stop(List<ChildJvm> workers) {
        // SIGTERM to all first, so they stop together
        workers.parallelStream().forEach(ChildJvm::close);
    }
}
