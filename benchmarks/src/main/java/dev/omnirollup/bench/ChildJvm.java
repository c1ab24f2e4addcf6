package dev.omnirollup.bench;

import dev.omnirollup.deploy.OmniRollup;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A service under test in its own JVM, as it runs in production: {@code -Xmx256m}, a GC log, optionally a JFR
 * recording, output in a log file, configured only by {@code OMNI_ROLLUP_*} variables. While it runs its RSS is
 * sampled; {@link #close()} stops it with SIGTERM (its shutdown hook finishes in-hand work) and reads the GC log.
 * Thread-safe for {@link #memory()}.
 */
final class ChildJvm implements AutoCloseable {
    /** The heap limit of every service under test (the service runs stable in a 256 MB heap: README, Performance, "heap under load"). */
    static final String HEAP = "256m";
    private static final Pattern GC_LINE = Pattern.compile("Pause.*?(\\d+)([KMG])->(\\d+)([KMG])\\((\\d+)([KMG])\\)");

    private final String name;
    private final Process process;
    private final Path log;
    private final Path gcLog;
    private final ScheduledExecutorService sampler;
    private final AtomicLong maxRssKb = new AtomicLong();
    private volatile long peakRssKb;
    private volatile double cpuSeconds;
    private boolean closed;

    private ChildJvm(String name, Process process, Path log, Path gcLog) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.gcLog = gcLog;
        this.sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "rss-" + name);
            t.setDaemon(true);
            return t;
        });
        sampler.scheduleAtFixedRate(this::sample, 0, 200, TimeUnit.MILLISECONDS);
    }

    /**
     * Starts a launcher command ({@code omni-rollup serve}, {@code omni-rollup ingest}: the one start-up path, as
     * deployed) on this JVM's classpath and waits until its output shows {@code ready}.
     *
     * @param env  the {@code OMNI_ROLLUP_*} settings (other inherited {@code OMNI_ROLLUP_*} variables are removed)
     * @param logs directory for {@code <name>.log}, {@code <name>-gc.log} and {@code <name>.jfr}
     */
    static ChildJvm start(String name, String command, Map<String, String> env, Path logs, boolean jfr,
                          Pattern ready, Duration timeout) {
        ChildJvm child = launch(name, command, env, logs, jfr, List.of());
        try {
            child.awaitOutput(ready, timeout);
        } catch (RuntimeException e) {
            child.close();
            throw e;
        }
        return child;
    }

    /**
     * The ingest's collector as deployed (deploy/systemd, deploy/k8s): the parallel one, which costs a worker draining
     * a backlog less CPU than G1 (finding I14); a {@code -XX:+Use…GC} among the options replaces it.
     */
    static final String INGEST_GC = "-XX:+UseParallelGC";
    /**
     * The ingest's inlining limits as deployed: a fresh worker's compiler threads spent 17–40 % less CPU on a backlog
     * and its own threads about as much (finding I18); options given later override them.
     */
    static final List<String> INGEST_INLINING =
            List.of("-XX:MaxInlineLevel=6", "-XX:InlineSmallCode=1000", "-XX:FreqInlineSize=150");

    /**
     * Starts a launcher command without waiting for it (see {@link #start}), with {@code jvmOptions} after the
     * heap limit (a later {@code -Xmx} wins); an ingest gets the deployed collector ({@link #INGEST_GC}) and inlining
     * limits ({@link #INGEST_INLINING}).
     */
    static ChildJvm launch(String name, String command, Map<String, String> env, Path logs, boolean jfr,
                           List<String> jvmOptions) {
        try {
            Files.createDirectories(logs);
            Path log = logs.resolve(name + ".log");
            Path gcLog = logs.resolve(name + "-gc.log");
            Files.deleteIfExists(gcLog);
            List<String> java = new ArrayList<>();
            java.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            java.add("-Xmx" + HEAP);
            java.add("-Xlog:gc:file=" + gcLog);
            java.add("-XX:+ExitOnOutOfMemoryError");
            if (command.equals("ingest")) {
                if (jvmOptions.stream().noneMatch(o -> o.matches("-XX:\\+Use\\w+GC"))) {
                    java.add(INGEST_GC);
                }
                java.addAll(INGEST_INLINING);
            }
            java.addAll(jvmOptions);
            if (jfr) {
                java.add("-XX:StartFlightRecording=filename=" + logs.resolve(name + ".jfr")
                        + ",settings=profile,dumponexit=true");
            }
            java.add("-cp");
            java.add(classpath());
            java.add(OmniRollup.class.getName());
            java.add(command);
            ProcessBuilder builder = new ProcessBuilder(java)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            Map<String, String> environment = builder.environment();
            environment.keySet().removeIf(k -> k.startsWith("OMNI_ROLLUP_") && !k.startsWith("OMNI_ROLLUP_TEST_"));
            environment.putAll(env);
            Files.deleteIfExists(log);
            return new ChildJvm(name, builder.start(), log, gcLog);
        } catch (IOException e) {
            throw new UncheckedIOException("starting " + name + " failed", e);
        }
    }

    /** The classpath of child JVMs: {@code bench.classpath} (set by the smoke test) or this JVM's. */
    static String classpath() {
        String configured = System.getProperty("bench.classpath", "");
        return configured.isBlank() || configured.contains("${") ? System.getProperty("java.class.path") : configured;
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits until a line of the output matches; returns the match. Fails when the process ends first. */
    Matcher awaitOutput(Pattern pattern, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String output = output();
            Matcher matcher = pattern.matcher(output);
            if (matcher.find()) {
                return matcher;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + " before '"
                        + pattern + "':\n" + tail(output));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " did not print '" + pattern + "' within " + timeout + ":\n"
                        + tail(output));
            }
            sleep(50);
        }
    }

    String output() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private void sample() {
        long rss = Procs.rssKb(process.pid());
        maxRssKb.accumulateAndGet(rss, Math::max);
        long hwm = Procs.peakRssKb(process.pid());
        if (hwm > 0) {
            peakRssKb = hwm;
            cpuSeconds = Procs.cpuSeconds(process.pid());
        }
    }

    /** CPU seconds used so far (last sample while alive). */
    double cpuSeconds() {
        double now = Procs.cpuSeconds(process.pid());
        return now > 0 ? now : cpuSeconds;
    }

    /** Stops the process (SIGTERM, then SIGKILL after 30 s); idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        sample();
        stop(process);
        sampler.shutdownNow();
    }

    /** Stops a process: SIGTERM, then SIGKILL when it has not ended 30 s later. */
    static void stop(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    /** What the process used: RSS peaks and heap use from the GC log (complete once closed). */
    Memory memory() {
        long pauses = 0;
        long maxBefore = 0;
        long maxAfter = 0;
        long lastAfter = 0;
        long limit = 0;
        String collector = "?";
        try {
            if (Files.exists(gcLog)) {
                for (String line : Files.readAllLines(gcLog)) {
                    if (line.contains("Using ")) {
                        collector = line.substring(line.indexOf("Using ") + 6).trim();
                    }
                    Matcher m = GC_LINE.matcher(line);
                    if (m.find()) {
                        pauses++;
                        long before = kb(m.group(1), m.group(2));
                        long after = kb(m.group(3), m.group(4));
                        maxBefore = Math.max(maxBefore, before);
                        maxAfter = Math.max(maxAfter, after);
                        lastAfter = after;
                        limit = Math.max(limit, kb(m.group(5), m.group(6)));
                    }
                }
            }
        } catch (IOException e) {
            // report what we have
        }
        boolean oom = output().contains("OutOfMemoryError");
        return new Memory(name, collector, pauses, maxBefore / 1024.0, maxAfter / 1024.0, lastAfter / 1024.0,
                limit / 1024.0, Math.max(maxRssKb.get(), 0) / 1024.0, peakRssKb / 1024.0, cpuSeconds(), oom);
    }

    private static long kb(String amount, String unit) {
        long value = Long.parseLong(amount);
        return switch (unit) {
            case "G" -> value * 1024 * 1024;
            case "M" -> value * 1024;
            default -> value;
        };
    }

    /**
     * Memory of one child.
     *
     * @param heapBeforeGcMb the most heap in use when a collection started
     * @param heapAfterGcMb  the most heap still in use after a collection (the live set's peak)
     * @param lastAfterGcMb  heap in use after the last collection
     * @param committedMb    the largest committed heap size the GC reported
     */
    record Memory(String process, String collector, long gcPauses, double heapBeforeGcMb, double heapAfterGcMb,
                  double lastAfterGcMb, double committedMb, double maxRssMb, double peakRssMb, double cpuSeconds,
                  boolean outOfMemory) {
    }

    /** Adds the standard memory columns for {@code children} to a table made by {@link #memoryTable}. */
    static void addMemoryRows(Table table, String phase, List<ChildJvm> children) {
        for (ChildJvm child : children) {
            Memory m = child.memory();
            table.add(phase, m.process(), "-Xmx" + HEAP, m.collector(), m.gcPauses(), m.heapAfterGcMb(),
                    m.lastAfterGcMb(), m.heapBeforeGcMb(), m.peakRssMb(), m.cpuSeconds(),
                    m.outOfMemory() ? "YES" : "no");
        }
    }

    static Table memoryTable(String name, String title) {
        return new Table(name, title, "phase", "process", "heap limit", "gc", "gc pauses", "peak heap after GC MB",
                "last heap after GC MB", "peak heap before GC MB", "peak RSS MB", "cpu s", "OOM");
    }

    static String tail(String output) {
        String[] lines = output.split("\n");
        return String.join("\n", Arrays.copyOfRange(lines, Math.max(0, lines.length - 40), lines.length));
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static Map<String, String> env(Map<String, String> settings) {
        Map<String, String> env = new HashMap<>();
        settings.forEach((k, v) -> env.put("OMNI_ROLLUP_" + k.toUpperCase(Locale.ROOT).replace('-', '_'), v));
        return env;
    }
}
