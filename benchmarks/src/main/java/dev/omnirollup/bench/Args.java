package dev.omnirollup.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The command line of {@code benchmarks/run}: {@code <benchmark> [--smoke] [--out DIR] [--key value ...]}. Values are
 * validated when read; an unknown option fails before anything runs. Immutable.
 */
final class Args {
    private static final Set<String> FLAGS = Set.of("smoke", "jfr", "pg-profile", "fresh-data", "keep-data", "plan");
    private static final Set<String> VALUED = Set.of("out", "sizes", "size", "events", "workers", "mixes",
            "concurrency", "duration", "rate", "run-rate", "iterations", "budget", "jmh", "api-pg-options", "channels",
            "instances", "days", "requests", "warmup", "read-requests", "batch-budget", "batch-size", "baseline",
            "max-age", "baseline-days", "max-ack-pending", "db-icu-locale",
            "parallelism", "launcher", "db-latency", "single-active", "partitions", "ack-all");

    private final String benchmark;
    private final Map<String, String> values;

    private Args(String benchmark, Map<String, String> values) {
        this.benchmark = benchmark;
        this.values = values;
    }

    static Args parse(String... args) {
        if (args.length == 0 || args[0].startsWith("-")) {
            throw new IllegalArgumentException("usage: benchmarks/run <" + String.join("|", Bench.NAMES)
                    + "> [--smoke] [--out DIR] [options]");
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + arg + "'");
            }
            String name = arg.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (FLAGS.contains(name)) {
                values.put(name, value == null ? "true" : value);
            } else if (VALUED.contains(name)) {
                if (value == null) {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException("--" + name + " needs a value");
                    }
                    value = args[++i];
                }
                values.put(name, value);
            } else {
                throw new IllegalArgumentException("unknown option --" + name + " (known: "
                        + String.join(", ", new TreeSet<>(union())) + ")");
            }
        }
        return new Args(args[0], values);
    }

    private static Set<String> union() {
        Set<String> all = new HashSet<>(FLAGS);
        all.addAll(VALUED);
        return all;
    }

    String benchmark() {
        return benchmark;
    }

    boolean smoke() {
        return flag("smoke");
    }

    boolean flag(String name) {
        return Boolean.parseBoolean(values.getOrDefault(name, "false"));
    }

    Optional<String> value(String name) {
        return Optional.ofNullable(values.get(name));
    }

    /** Where tables, CSV files and plots go: {@code --out}, else docs/bench (smoke: benchmarks/target/bench-smoke). */
    Path out() {
        return Path.of(values.getOrDefault("out", smoke() ? "benchmarks/target/bench-smoke" : "docs/bench"));
    }

    /** Row counts like {@code 10k,100k,1m,10m}. */
    List<Long> sizes(String name, String fallback) {
        List<Long> sizes = new ArrayList<>();
        for (String part : values.getOrDefault(name, fallback).split(",")) {
            sizes.add(count(part.trim()));
        }
        return sizes;
    }

    long count(String name, String fallback) {
        return count(values.getOrDefault(name, fallback));
    }

    List<Integer> ints(String name, String fallback) {
        return Arrays.stream(values.getOrDefault(name, fallback).split(",")).map(String::trim)
                .map(Integer::parseInt).toList();
    }

    List<String> words(String name, String fallback) {
        return Arrays.stream(values.getOrDefault(name, fallback).split(",")).map(String::trim)
                .filter(s -> !s.isEmpty()).toList();
    }

    Duration duration(String name, String fallback) {
        String text = values.getOrDefault(name, fallback).trim().toLowerCase(Locale.ROOT);
        if (text.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
        }
        if (text.endsWith("s")) {
            return Duration.ofMillis((long) (Double.parseDouble(text.substring(0, text.length() - 1)) * 1000));
        }
        if (text.endsWith("m")) {
            return Duration.ofSeconds(Long.parseLong(text.substring(0, text.length() - 1)) * 60);
        }
        if (text.endsWith("h")) {
            return Duration.ofMinutes(Long.parseLong(text.substring(0, text.length() - 1)) * 60);
        }
        throw new IllegalArgumentException("--" + name + " '" + text + "' is not a duration like 500ms, 30s, 2m or 3h");
    }

    /** {@code 10k} = 10 000, {@code 1m} = 1 000 000, plain digits as they are. */
    static long count(String text) {
        String t = text.toLowerCase(Locale.ROOT).replace("_", "");
        long factor = 1;
        if (t.endsWith("k")) {
            factor = 1_000;
            t = t.substring(0, t.length() - 1);
        } else if (t.endsWith("m")) {
            factor = 1_000_000;
            t = t.substring(0, t.length() - 1);
        }
        try {
            return Math.round(Double.parseDouble(t) * factor);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a count like 10k, 1m or 250000");
        }
    }

    /** The short label of a count: 10k, 100k, 1m, 10m, or the digits. */
    static String label(long count) {
        if (count >= 1_000_000 && count % 1_000_000 == 0) {
            return count / 1_000_000 + "m";
        }
        if (count >= 1_000 && count % 1_000 == 0) {
            return count / 1_000 + "k";
        }
        return Long.toString(count);
    }

    /** The command line that reproduces this run. */
    String command() {
        StringBuilder sb = new StringBuilder("benchmarks/run ").append(benchmark);
        values.forEach((k, v) -> {
            if (k.equals("out")) {
                return;
            }
            sb.append(" --").append(k);
            if (!FLAGS.contains(k) || !v.equals("true")) {
                sb.append(' ').append(v);
            }
        });
        return sb.toString();
    }
}
