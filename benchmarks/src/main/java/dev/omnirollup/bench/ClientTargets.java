package dev.omnirollup.bench;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * The client-side targets, checked against the measurements: every dashboard endpoint p50 ≤ 1 ms and p99 ≤ 5 ms at
 * the client at 10 M rows with 50 and 500 instances; p50 at 10 M within 1.2× of the 10 k baseline; p50 with 500
 * instances within 1.5× of 50; {@code /event-ops/metrics} and {@code allTime} analytics at least 1000× faster than
 * upstream's SQL at p99. When 10 M was not run they are checked at the largest size that was, and say so. Immutable.
 */
final class ClientTargets {
    static final double P50_MS = 1;
    static final double P99_MS = 5;
    static final double SIZE_GROWTH = 1.2;
    static final double INSTANCE_GROWTH = 1.5;
    static final double UPSTREAM_RATIO = 1000;
    static final long TARGET_ROWS = 10_000_000;

    private final List<ClientResult> results;
    private final Optional<ClientDatasets.Shape> baseline;
    private final long largest;
    private final int fewest;
    private final int most;

    ClientTargets(List<ClientResult> results, Optional<ClientDatasets.Shape> baseline) {
        this.results = List.copyOf(results);
        this.baseline = baseline;
        this.largest = results.stream().mapToLong(r -> r.shape().rows())
                .filter(rows -> baseline.isEmpty() || rows != baseline.get().rows() || onlyBaseline(results))
                .max().orElse(0);
        this.fewest = results.stream().mapToInt(r -> r.shape().instances()).min().orElse(0);
        this.most = results.stream().mapToInt(r -> r.shape().instances()).max().orElse(0);
    }

    private boolean onlyBaseline(List<ClientResult> all) {
        return all.stream().allMatch(r -> r.shape().rows() == baseline.orElseThrow().rows());
    }

    /** p50 (keep-alive) over that of the same endpoint on the baseline set with as many instances; null when none. */
    Double p50OverBaseline(ClientResult r) {
        if (baseline.isEmpty() || r.shape().rows() == baseline.get().rows() || r.endpoint().local()) {
            return null;
        }
        return find(baseline.get().rows(), r.shape().instances(), r.endpoint().name())
                .map(b -> r.keepAlive().client().p50() / b.keepAlive().client().p50()).orElse(null);
    }

    /** p50 (keep-alive) over that of the same endpoint and size with the fewest instances; null when none. */
    Double p50OverFewerInstances(ClientResult r) {
        if (r.shape().instances() == fewest || r.endpoint().local()) {
            return null;
        }
        return find(r.shape().rows(), fewest, r.endpoint().name())
                .map(b -> r.keepAlive().client().p50() / b.keepAlive().client().p50()).orElse(null);
    }

    /** The targets as rows of a table: target, where, measured, status. */
    Table table() {
        Table table = new Table("client-latency-targets", "Client-side read targets", "target", "where", "measured",
                "status");
        String at = Args.label(largest) + " rows";
        String caveat = largest == TARGET_ROWS ? "" : " (checked at " + Args.label(largest) + "; set for "
                + Args.label(TARGET_ROWS) + ", not run)";
        for (int instances : instanceCounts()) {
            List<ClientResult> set = dashboard(largest, instances);
            String where = at + ", " + instances + " instances";
            latencyRow(table, "every endpoint p50 <= 1 ms and p99 <= 5 ms, keep-alive", where, set,
                    ClientResult::keepAlive, caveat);
            latencyRow(table, "every endpoint p50 <= 1 ms and p99 <= 5 ms, new connection each", where, set,
                    ClientResult::fresh, caveat);
        }
        if (baseline.isPresent() && largest != baseline.get().rows()) {
            List<ClientResult> set = dashboard(largest, baseline.get().instances());
            growthRow(table, "p50 at " + Args.label(largest) + " within " + SIZE_GROWTH + "x of "
                            + Args.label(baseline.get().rows()), at + ", " + baseline.get().instances() + " instances",
                    set, this::p50OverBaseline, SIZE_GROWTH, caveat);
        }
        if (most != fewest) {
            growthRow(table, "p50 with " + most + " instances within " + INSTANCE_GROWTH + "x of " + fewest, at,
                    dashboard(largest, most), this::p50OverFewerInstances, INSTANCE_GROWTH, caveat);
        }
        for (String name : List.of("metrics", "analytics allTime")) {
            for (int instances : instanceCounts()) {
                Optional<ClientResult> r = find(largest, instances, name);
                String measured = r.map(x -> String.format(Locale.ROOT, "%sx (upstream p99 %s ms, ours %s ms)",
                        Table.format(x.upstreamRatioP99()), Table.format(x.upstream().p99()),
                        Table.format(x.keepAlive().client().p99()))).orElse("not measured");
                String status = r.filter(x -> !Double.isNaN(x.upstreamRatioP99()))
                        .map(x -> x.upstreamRatioP99() >= UPSTREAM_RATIO ? "PASS" : "FAIL").orElse("not measured");
                table.add(name + " >= " + (int) UPSTREAM_RATIO + "x upstream's SQL at p99", at + ", " + instances
                        + " instances", measured, status + (status.equals("not measured") ? "" : caveat));
            }
        }
        table.note("latency = at the client, sequential requests, default parameters; ratios compare p50 of the same"
                + " endpoint; upstream = its plain SQL on the same database (no HTTP), against our client p99");
        return table;
    }

    private void latencyRow(Table table, String target, String where, List<ClientResult> set,
                            Function<ClientResult, RequestBatch.Outcome> mode, String caveat) {
        if (set.isEmpty()) {
            table.add(target, where, "not measured", "not measured");
            return;
        }
        ClientResult worst50 = worst(set, r -> mode.apply(r).client().p50());
        ClientResult worst99 = worst(set, r -> mode.apply(r).client().p99());
        boolean pass = set.stream().allMatch(r -> r.meetsLatencyTarget(mode.apply(r)));
        long passing = set.stream().filter(r -> r.meetsLatencyTarget(mode.apply(r))).count();
        table.add(target, where, String.format(Locale.ROOT, "%d of %d endpoints; worst p50 %s ms (%s), worst p99 %s ms"
                        + " (%s)", passing, set.size(), Table.format(mode.apply(worst50).client().p50()),
                worst50.endpoint().name(), Table.format(mode.apply(worst99).client().p99()),
                worst99.endpoint().name()), (pass ? "PASS" : "FAIL") + caveat);
    }

    private static void growthRow(Table table, String target, String where, List<ClientResult> set,
                                  Function<ClientResult, Double> ratio, double limit, String caveat) {
        List<ClientResult> measured = set.stream().filter(r -> ratio.apply(r) != null).toList();
        if (measured.isEmpty()) {
            table.add(target, where, "not measured", "not measured");
            return;
        }
        ClientResult worst = worst(measured, ratio::apply);
        long passing = measured.stream().filter(r -> ratio.apply(r) <= limit).count();
        table.add(target, where, String.format(Locale.ROOT, "%d of %d endpoints; largest %.2fx (%s)", passing,
                measured.size(), ratio.apply(worst), worst.endpoint().name()),
                (passing == measured.size() ? "PASS" : "FAIL") + caveat);
    }

    private static ClientResult worst(List<ClientResult> set, ToDoubleFunction<ClientResult> value) {
        return set.stream().max(Comparator.comparingDouble(r -> {
            double v = value.applyAsDouble(r);
            return Double.isNaN(v) ? Double.MAX_VALUE : v;
        })).orElseThrow();
    }

    private List<Integer> instanceCounts() {
        return results.stream().filter(r -> r.shape().rows() == largest).map(r -> r.shape().instances()).distinct()
                .sorted().toList();
    }

    private List<ClientResult> dashboard(long rows, int instances) {
        return results.stream().filter(r -> r.endpoint().dashboard() && r.shape().rows() == rows
                && r.shape().instances() == instances).toList();
    }

    private Optional<ClientResult> find(long rows, int instances, String endpoint) {
        return results.stream().filter(r -> r.shape().rows() == rows && r.shape().instances() == instances
                && r.endpoint().name().equals(endpoint)).findFirst();
    }
}
