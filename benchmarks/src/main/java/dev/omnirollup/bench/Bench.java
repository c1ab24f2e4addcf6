package dev.omnirollup.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Entry point of {@code benchmarks/run}: {@code <benchmark> [--smoke] [options]}. Each benchmark prints its tables and
 * writes CSV and Markdown files (and plots) to {@code docs/bench/} ({@code benchmarks/target/bench-smoke/} with
 * {@code --smoke}); {@code all} runs every one in order. See docs/benchmarks.md for what each measures.
 */
public final class Bench {
    static final List<String> NAMES = List.of("data", "query", "http", "backfill", "ingest", "freshness",
            "freshness-automation", "memory", "jmh", "client", "pull-spread", "all", "jfr-top");

    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("jfr-top")) {
            JfrTop.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        quietLogging();
        List<String> failed = run(Args.parse(args));
        if (!failed.isEmpty()) {
            System.err.println("[bench] FAILED: " + failed);
            System.exit(1);
        }
    }

    /** Runs the benchmark(s) the arguments name; returns the names of those that failed. */
    static List<String> run(Args args) throws Exception {
        Machine machine = Machine.describe();
        Report report = Report.of(args, machine);
        Files.createDirectories(report.out());
        String header = "# " + report.command() + "\n" + report.started() + "\n" + machine.oneLine() + "\n";
        System.out.print("[bench] " + header.replace("\n", "\n[bench] ").stripTrailing() + "\n");
        List<String> names = args.benchmark().equals("all")
                ? List.of("data", "query", "http", "backfill", "ingest", "pull-spread", "freshness",
                        "freshness-automation", "memory", "jmh")
                : List.of(args.benchmark());
        List<String> failed = new ArrayList<>();
        for (String name : names) {
            long started = System.nanoTime();
            System.out.println("[bench] ---- " + name + (args.smoke() ? " (smoke)" : "") + " ----");
            try {
                runOne(name, args, report);
            } catch (Exception | AssertionError e) {
                if (names.size() == 1) {
                    throw e;
                }
                System.err.println("[bench] " + name + " failed: " + e);
                e.printStackTrace();
                failed.add(name);
            }
            System.out.printf(Locale.ROOT, "[bench] %s took %.0f s (load average now %s)%n", name,
                    (System.nanoTime() - started) / 1e9, Machine.loadAverage());
        }
        if (args.flag("plan")) {
            return failed;
        }
        appendRunLog(report, names, failed);
        if (!args.smoke() && report.out().normalize().equals(Path.of("docs", "bench"))) {
            int updated = DocSections.update(Path.of("docs", "benchmarks.md"), report.out());
            System.out.println("[bench] docs/benchmarks.md: " + updated + " result sections refreshed");
        }
        return failed;
    }

    private static void runOne(String name, Args args, Report report) throws Exception {
        switch (name) {
            case "data" -> DataBench.run(args, report);
            case "query" -> QueryLatencyBench.run(args, report);
            case "http" -> HttpThroughputBench.run(args, report);
            case "backfill" -> BackfillBench.run(args, report);
            case "ingest" -> IngestBench.run(args, report);
            case "freshness" -> FreshnessBench.run(args, report);
            case "freshness-automation" -> AutomationFreshnessBench.run(args, report);
            case "memory" -> MemoryBench.run(args, report);
            case "jmh" -> JmhBench.run(args, report);
            case "client" -> ClientBench.run(args, report);
            case "pull-spread" -> PullSpreadBench.run(args, report);
            default -> throw new IllegalArgumentException("unknown benchmark '" + name + "' (known: " + NAMES + ")");
        }
    }

    private static void appendRunLog(Report report, List<String> names, List<String> failed) throws IOException {
        String line = report.started() + "  " + report.command() + "  ran " + names + (failed.isEmpty() ? ""
                : " FAILED " + failed) + "  load at end " + Machine.loadAverage() + "\n  " + report.machine().oneLine()
                + "\n";
        Files.writeString(report.out().resolve("runs.txt"), line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private static void quietLogging() {
        Logger root = Logger.getLogger("");
        root.setLevel(Level.WARNING);
        for (var handler : root.getHandlers()) {
            handler.setLevel(Level.WARNING);
        }
    }
}
