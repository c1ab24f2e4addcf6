package dev.omnirollup.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Collection;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The JMH micro-benchmarks of the hot paths (issue 7 item 7): {@code DecodeBenchmark}, {@code FoldBenchmark} and
 * {@code HistogramMergeBenchmark} in package {@code dev.omnirollup.store} of this module (they reach the
 * package-private fold and histogram). Full: one fork, 3 warm-up and 5 measured iterations of 1 s; smoke: in
 * process, one 100 ms iteration, the smallest parameter of each. JMH's own CSV goes to {@code jmh-raw.csv}.
 *
 * <p>Run: {@code benchmarks/run jmh [--jmh <regexp>] [--smoke]}.
 */
final class JmhBench {
    private JmhBench() {
    }

    static void run(Args args, Report report) throws RunnerException {
        String include = args.value("jmh").orElse("dev\\.omnirollup\\.store\\..*Benchmark");
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(include)
                .shouldFailOnError(true)
                .resultFormat(ResultFormatType.CSV)
                .result(report.out().resolve("jmh-raw.csv").toString());
        if (args.smoke()) {
            options.forks(0).warmupIterations(0).measurementIterations(1)
                    .measurementTime(TimeValue.milliseconds(100))
                    .param("reuse", "1").param("buckets", "24").param("mix", "messages");
        } else {
            options.forks(1).warmupIterations(3).warmupTime(TimeValue.seconds(1)).measurementIterations(5)
                    .measurementTime(TimeValue.seconds(1)).jvmArgsAppend("-Xmx1g");
        }
        try {
            Files.createDirectories(report.out());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Collection<RunResult> results = new Runner(options.build()).run();
        Table table = new Table("jmh", "JMH micro-benchmarks of the hot paths", "benchmark", "params", "mode",
                "score", "error (99.9%)", "unit");
        for (RunResult result : results) {
            var params = result.getParams();
            StringBuilder p = new StringBuilder();
            for (String key : params.getParamsKeys()) {
                p.append(p.isEmpty() ? "" : " ").append(key).append('=').append(params.getParam(key));
            }
            String name = params.getBenchmark();
            name = name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1);
            table.add(name, p.toString(), params.getMode().shortLabel(), result.getPrimaryResult().getScore(),
                    result.getPrimaryResult().getScoreError(), result.getPrimaryResult().getScoreUnit());
        }
        table.note("thrpt scores of Decode/Fold are messages (events) per second on one thread (encodeDecodeStates:"
                + " states; encodeDecodeReusedStates: batches, the states of 2 000 events' ids); avgt in "
                + TimeUnit.MICROSECONDS.name().toLowerCase(Locale.ROOT) + " per operation");
        table.publish(report);
    }
}
