package dev.omnirollup.bench;

import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Where and how one benchmark run reports: output directory, the command that reproduces it, the machine and the
 * start time, all stamped on every table. Immutable.
 */
record Report(Path out, String command, Machine machine, Instant started, boolean smoke) {

    /**
     * Where child JVMs write their output, GC logs and JFR recordings: {@code <out>/logs} for smoke runs, else
     * {@code benchmarks/target/bench-logs} (they do not belong in docs/).
     */
    Path logs() {
        return smoke ? out.resolve("logs") : Path.of("benchmarks", "target", "bench-logs");
    }

    static Report of(Args args, Machine machine) {
        return new Report(args.out(), args.command() + (args.value("out").isPresent() && !args.smoke()
                ? " --out " + args.out() : ""), machine, Instant.now().truncatedTo(ChronoUnit.SECONDS), args.smoke());
    }
}
