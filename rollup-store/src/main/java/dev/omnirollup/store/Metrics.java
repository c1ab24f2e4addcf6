package dev.omnirollup.store;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * The Prometheus registry of every omni-rollup process (the ingest's and the API's {@code /metrics}): counters,
 * counters and gauges read on scrape, and histograms with fixed buckets, rendered in the text exposition format —
 * families in the order they were registered, series sorted by labels, numbers in plain decimal ({@code 0.0005},
 * never {@code 5.0E-4}: a bucket's {@code le} label is part of its identity). Thread-safe; metrics are created once
 * and updated lock-free.
 */
public final class Metrics {
    private final Map<String, Family> families = new ConcurrentHashMap<>();
    private final List<String> order = Collections.synchronizedList(new ArrayList<>());

    /** A monotonically increasing count. */
    public Counter counter(String name, String help, String... labels) {
        Family family = family(name, help, "counter");
        return (Counter) family.series.computeIfAbsent(labelText(labels), k -> new Counter());
    }

    /** A monotonically increasing count kept elsewhere, read when scraped. */
    public void counter(String name, String help, LongSupplier value, String... labels) {
        family(name, help, "counter").series.put(labelText(labels), new CounterOf(value));
    }

    /** A value read when scraped. */
    public void gauge(String name, String help, DoubleSupplier value, String... labels) {
        family(name, help, "gauge").series.put(labelText(labels), new Gauge(value));
    }

    /** A distribution over fixed upper bounds (seconds, sizes, …). */
    public Histogram histogram(String name, String help, double[] bounds, String... labels) {
        Family family = family(name, help, "histogram");
        return (Histogram) family.series.computeIfAbsent(labelText(labels), k -> new Histogram(bounds));
    }

    /** Gauges of this process: heap in use, resident memory, live threads, open file descriptors. */
    public Metrics withProcessMetrics() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        gauge("process_heap_used_bytes", "JVM heap in use.", () -> memory.getHeapMemoryUsage().getUsed());
        gauge("process_heap_max_bytes", "JVM heap limit.", () -> memory.getHeapMemoryUsage().getMax());
        gauge("process_resident_memory_bytes", "Resident set size (from /proc/self/status).", Metrics::residentBytes);
        gauge("process_threads", "Live threads.", threads::getThreadCount);
        gauge("process_open_fds", "Open file descriptors (sockets included).", Metrics::openFileDescriptors);
        return this;
    }

    private static double residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    private static double openFileDescriptors() {
        String[] fds = new File("/proc/self/fd").list();
        return fds == null ? -1 : fds.length;
    }

    /** The text exposition of every metric. */
    public String scrape() {
        StringBuilder out = new StringBuilder(4096);
        List<String> names;
        synchronized (order) {
            names = List.copyOf(order);
        }
        for (String name : names) {
            Family family = families.get(name);
            out.append("# HELP ").append(name).append(' ').append(family.help).append('\n');
            out.append("# TYPE ").append(name).append(' ').append(family.type).append('\n');
            family.series.forEach((labels, series) -> series.render(name, labels, out));
        }
        return out.toString();
    }

    private Family family(String name, String help, String type) {
        return families.computeIfAbsent(name, n -> {
            order.add(n);
            return new Family(help, type);
        });
    }

    private static String labelText(String... labels) {
        if (labels.length % 2 != 0) {
            throw new IllegalArgumentException("labels come in name/value pairs");
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < labels.length; i += 2) {
            text.append(text.isEmpty() ? "" : ",").append(labels[i]).append("=\"")
                    .append(labels[i + 1].replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")).append('"');
        }
        return text.toString();
    }

    /** Whole numbers without a fraction, others in the shortest plain decimal that reads back the same. */
    static String format(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return Double.isNaN(value) ? "NaN" : value > 0 ? "+Inf" : "-Inf";
        }
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value)
                : BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }

    private record Family(String help, String type, Map<String, Series> series) {
        Family(String help, String type) {
            this(help, type, new ConcurrentSkipListMap<>());
        }
    }

    private interface Series {
        void render(String name, String labels, StringBuilder out);
    }

    /** A counter. */
    public static final class Counter implements Series {
        private final LongAdder count = new LongAdder();

        public void inc() {
            count.increment();
        }

        public void add(long n) {
            count.add(n);
        }

        public long value() {
            return count.sum();
        }

        @Override
        public void render(String name, String labels, StringBuilder out) {
            out.append(name).append(labels.isEmpty() ? "" : "{" + labels + "}").append(' ').append(count.sum()).append('\n');
        }
    }

    private record CounterOf(LongSupplier value) implements Series {
        @Override
        public void render(String name, String labels, StringBuilder out) {
            out.append(name).append(labels.isEmpty() ? "" : "{" + labels + "}").append(' ').append(value.getAsLong())
                    .append('\n');
        }
    }

    private record Gauge(DoubleSupplier value) implements Series {
        @Override
        public void render(String name, String labels, StringBuilder out) {
            out.append(name).append(labels.isEmpty() ? "" : "{" + labels + "}").append(' ')
                    .append(format(value.getAsDouble())).append('\n');
        }
    }

    /** A histogram. */
    public static final class Histogram implements Series {
        private final double[] bounds;
        private final LongAdder[] counts;
        private final LongAdder count = new LongAdder();
        private final DoubleAdder sum = new DoubleAdder();

        private Histogram(double[] bounds) {
            this.bounds = bounds.clone();
            this.counts = new LongAdder[bounds.length];
            for (int i = 0; i < counts.length; i++) {
                counts[i] = new LongAdder();
            }
        }

        public void observe(double value) {
            for (int i = 0; i < bounds.length; i++) {
                if (value <= bounds[i]) {
                    counts[i].increment();
                    break;
                }
            }
            count.increment();
            sum.add(value);
        }

        public long count() {
            return count.sum();
        }

        @Override
        public void render(String name, String labels, StringBuilder out) {
            String prefix = labels.isEmpty() ? "" : labels + ",";
            long cumulative = 0;
            for (int i = 0; i < bounds.length; i++) {
                cumulative += counts[i].sum();
                out.append(name).append("_bucket{").append(prefix).append("le=\"").append(format(bounds[i]))
                        .append("\"} ").append(cumulative).append('\n');
            }
            out.append(name).append("_bucket{").append(prefix).append("le=\"+Inf\"} ").append(count.sum()).append('\n');
            String suffix = labels.isEmpty() ? "" : "{" + labels + "}";
            out.append(name).append("_sum").append(suffix).append(' ').append(format(sum.sum())).append('\n');
            out.append(name).append("_count").append(suffix).append(' ').append(count.sum()).append('\n');
        }
    }
}
