package dev.omnirollup.ingest;

import dev.omnirollup.sim.Instance;
import dev.omnirollup.sim.OmniEvent;
import dev.omnirollup.sim.Publisher;
import dev.omnirollup.sim.ReferencePersistence;
import dev.omnirollup.sim.ScratchDatabase;
import dev.omnirollup.sim.ScratchNats;
import dev.omnirollup.sim.TrafficGenerator;
import dev.omnirollup.store.Await;
import dev.omnirollup.store.Config;
import dev.omnirollup.store.Metrics;
import dev.omnirollup.store.NatsEdge;
import dev.omnirollup.store.RollupDatabase;
import dev.omnirollup.store.Setting;
import dev.omnirollup.store.StoreSettings;
import io.nats.client.JetStreamApiException;
import io.nats.client.api.ConsumerInfo;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A scratch Omni (database with Omni's tables, NATS streams under a random prefix) and ingest workers on it,
 * in this JVM or as separate processes.
 */
final class IngestHarness implements AutoCloseable {
    /** Traffic ends at the current minute: the ingest's clock (minute retention, skew limit) is the real one. */
    static final Instant END = Instant.now().truncatedTo(ChronoUnit.MINUTES);
    static final Instant CUTOVER = END.minus(Duration.ofDays(30));
    /** The settings an ingest reads. */
    static final List<Setting<?>> SETTINGS = Stream.of(StoreSettings.SETTINGS, IngestSettings.SETTINGS)
            .flatMap(List::stream).toList();
    /** The launcher's main class (in the deploy module, on the class path of the tests that run there). */
    static final String LAUNCHER = "dev.omnirollup.deploy.OmniRollup";

    final ScratchDatabase omni;
    final ScratchNats nats;
    final RollupDatabase rollups;
    final List<Instance> instances = TrafficGenerator.defaultInstances(8, 11);
    private final Map<String, String> settings = new LinkedHashMap<>();
    private final List<Process> processes = new ArrayList<>();
    private final List<IngestDaemon> daemons = new ArrayList<>();
    private final List<io.nats.client.Connection> connections = new ArrayList<>();

    IngestHarness() {
        this(ScratchDatabase.create().withOmniSchema(), ScratchNats.connect());
    }

    /** A harness on other servers than the machine's (fault tests restart their own). */
    IngestHarness(ScratchDatabase omni, ScratchNats nats) {
        this.omni = omni;
        this.nats = nats;
        settings.put("database-url", omni.jdbcUrl());
        settings.put("nats-url", nats.url());
        settings.put("nats-subject-prefix", nats.prefix());
        settings.put("message-stream", nats.messageStream());
        settings.put("automation-stream", nats.automationStream());
        nats.instanceStream(); // the traffic has instance events too
        settings.put("ingest-cutover", CUTOVER.toString());
        settings.put("ingest-metrics-port", "0");
        settings.put("ingest-batch-size", "250");
        settings.put("ingest-ack-wait", "4s");
        this.rollups = RollupDatabase.open(omni.jdbcUrl(), "rollup", "public", 4, "test");
        rollups.migrate();
        omni.jdbi().useHandle(h -> new ReferencePersistence(h).ensureInstances(instances));
    }

    IngestHarness set(String key, String value) {
        settings.put(key, value);
        return this;
    }

    /** The store's and the ingest's settings, with this harness's. */
    Config config() {
        return Config.defaults(SETTINGS).with(settings);
    }

    List<OmniEvent> traffic(long seed, int count) {
        return TrafficGenerator.generate(TrafficGenerator.Config.of(seed, END, Duration.ofDays(10), count, instances));
    }

    /** Writes the rows upstream's persistence would write for these events, in order. */
    void persistReference(List<OmniEvent> events) {
        omni.jdbi().useHandle(h -> new ReferencePersistence(h).apply(events));
    }

    long publish(List<OmniEvent> events) {
        return Publisher.on(nats).publishAll(events);
    }

    /** Starts a daemon in this JVM on its own NATS connection (reconnecting forever, as in production). */
    IngestDaemon startInProcess() {
        return startInProcess(new Metrics());
    }

    /** The same, its metrics registered in {@code metrics}. */
    IngestDaemon startInProcess(Metrics metrics) {
        Config config = config();
        StoreSettings store = StoreSettings.from(config);
        io.nats.client.Connection connection = NatsEdge.connect(store, "test-ingest", Duration.ofSeconds(5));
        connections.add(connection);
        IngestDaemon daemon = IngestDaemon.start(store, IngestSettings.from(config), rollups, connection,
                InstantSource.system(), metrics, CrashHook.none());
        daemons.add(daemon);
        return daemon;
    }

    /**
     * Starts the launcher's {@code omni-rollup ingest} in its own JVM with extra system properties ({@code -Dk=v}),
     * configured by {@code OMNI_ROLLUP_*} variables as an operator would. The launcher lives in the deploy module:
     * the tests that start worker processes run there, with this harness from the ingest module's test jar.
     */
    Process startProcess(String... systemProperties) {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        command.addAll(List.of(systemProperties));
        command.add("-cp");
        command.add(classpath);
        command.add(LAUNCHER);
        command.add("ingest");
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf(k -> k.startsWith("OMNI_ROLLUP_"));
        settings.forEach((key, value) -> builder.environment().put(
                "OMNI_ROLLUP_" + key.toUpperCase(Locale.ROOT).replace('-', '_'), value));
        try {
            File log = Files.createTempFile("ingest-", ".log").toFile();
            log.deleteOnExit();
            builder.redirectErrorStream(true).redirectOutput(log);
            Process process = builder.start();
            processes.add(process);
            return process;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Waits until both consumers exist and have nothing pending or unacknowledged and the automation_logs tail has
     * counted every row, seen so on three polls in a row, 200 ms apart.
     */
    void awaitCaughtUp(Duration timeout) {
        Await.until("the ingest has caught up (both consumers idle, every automation_logs row counted)", timeout,
                Duration.ofMillis(200), Await.steadily(3, () -> consumersIdle() && automationLogsCounted()),
                this::caughtUpState);
    }

    /**
     * What {@link #awaitCaughtUp} saw: each consumer's pending and unacknowledged messages, the automation_logs rows
     * and the count of them, whether the daemons in this JVM consume; and the stacks of the ingest's threads, to the
     * test's output.
     */
    private String caughtUpState() {
        StringBuilder state = new StringBuilder();
        for (String stream : List.of(nats.messageStream(), nats.automationStream())) {
            for (String consumer : consumers()) {
                state.append(stream).append('/').append(consumer).append(": ");
                try {
                    ConsumerInfo info = nats.management().getConsumerInfo(stream, consumer);
                    state.append("pending ").append(info.getNumPending()).append(", unacknowledged ")
                            .append(info.getNumAckPending()).append("; ");
                } catch (IOException | JetStreamApiException | RuntimeException e) {
                    state.append(e.getMessage()).append("; ");
                }
            }
        }
        try {
            long[] counts = automationLogs(rollups.cutover().orElse(Instant.EPOCH));
            state.append("automation_logs rows ").append(counts[0]).append(", counted ").append(counts[1]);
        } catch (RuntimeException e) {
            state.append("automation_logs not read: ").append(e.getMessage());
        }
        daemons.forEach(daemon -> state.append("; daemon active ").append(daemon.isActive()).append(", healthy ")
                .append(daemon.isHealthy()));
        Thread.getAllStackTraces().forEach((thread, stack) -> {
            String name = thread.getName();
            if (name.startsWith("apply-") || name.startsWith("fetch-") || name.startsWith("ingest-")
                    || name.startsWith("pool-") || name.contains("automation")) {
                StringBuilder dump = new StringBuilder("thread ").append(name).append(' ')
                        .append(thread.getState()).append('\n');
                for (StackTraceElement frame : stack) {
                    dump.append("    at ").append(frame).append('\n');
                }
                System.err.print(dump);
            }
        });
        return state.toString();
    }

    /** The durable consumers of the partitions in force, on each stream. */
    List<String> consumers() {
        return StoreSettings.from(config()).consumers();
    }

    /** Whether the consumers of both streams exist and have nothing pending or unacknowledged. */
    private boolean consumersIdle() {
        for (String stream : List.of(nats.messageStream(), nats.automationStream())) {
            for (String consumer : consumers()) {
                try {
                    ConsumerInfo info = nats.management().getConsumerInfo(stream, consumer);
                    if (info.getNumPending() != 0 || info.getNumAckPending() != 0) {
                        return false;
                    }
                } catch (IOException | JetStreamApiException e) {
                    return false; // not created yet, or the server is restarting
                }
            }
        }
        return true;
    }

    /** Whether the tail of automation_logs has counted every row since the cutover (it polls every second). */
    private boolean automationLogsCounted() {
        Optional<Instant> cutover = rollups.cutover();
        if (cutover.isEmpty()) {
            return true;
        }
        long[] counts = automationLogs(cutover.get());
        return counts[0] == counts[1];
    }

    /** The automation_logs rows since {@code cutover}, and the executions the live layer counted of them. */
    private long[] automationLogs(Instant cutover) {
        return rollups.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT (SELECT count(*) FROM automation_logs "
                    + "WHERE created_at >= ?), (SELECT coalesce(sum(executions), 0) FROM rollup.auto_total "
                    + "WHERE scope = 0 AND src = 0)")) {
                ps.setObject(1, LocalDateTime.ofInstant(cutover, ZoneOffset.UTC));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return new long[] {rs.getLong(1), rs.getLong(2)};
                }
            }
        });
    }

    /**
     * Lets time pass on purpose (pacing a publisher, holding an outage, a random moment to kill a worker). Never to
     * wait for something to happen: that is {@link Await#until}.
     */
    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    void stopProcesses() {
        for (Process process : processes) {
            process.destroy();
        }
        for (Process process : processes) {
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        processes.clear();
    }

    @Override
    public void close() {
        daemons.forEach(IngestDaemon::close);
        for (io.nats.client.Connection connection : connections) {
            try {
                connection.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        processes.forEach(Process::destroyForcibly);
        rollups.close();
        nats.close();
        omni.close();
    }
}
