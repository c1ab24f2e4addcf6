package dev.omnirollup.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Keeps every benchmark alive: runs each one's {@code --smoke} mode (tiny sizes, seconds) against the real
 * PostgreSQL and NATS, child JVMs (and, for the client benchmark, the launcher's processes) included, and checks that
 * it wrote its table. Targets are not asserted: smoke sizes say nothing about performance.
 */
class BenchSmokeTest {
    private static final Path OUT = Path.of("target", "bench-smoke");
    /** The table each benchmark writes, where it is not named as the benchmark. */
    private static final Map<String, String> TABLES = Map.of("query", "query-latency", "http", "http-throughput",
            "ingest", "ingest-throughput", "client", "client-latency");

    @ParameterizedTest
    @ValueSource(strings = {"data", "query", "http", "backfill", "ingest", "freshness", "freshness-automation",
        "memory", "jmh", "client", "pull-spread"})
    void smokeModeRunsAndWritesItsTable(String benchmark) throws Exception {
        List<String> failed = Bench.run(Args.parse(benchmark, "--smoke", "--out", OUT.toString()));
        assertEquals(List.of(), failed);
        String table = TABLES.getOrDefault(benchmark, benchmark);
        Path csv = OUT.resolve(table + ".csv");
        assertTrue(Files.exists(csv), csv + " written");
        List<String> lines = Files.readAllLines(csv);
        assertTrue(lines.size() >= 2, csv + " has a header and at least one row: " + lines);
        assertTrue(Files.exists(OUT.resolve(table + ".md")), "markdown table written");
        if (benchmark.equals("ingest")) {
            // the workers' last log lines, phases of their transactions included, still parse
            List<String> time = Files.readAllLines(OUT.resolve("ingest-time.csv"));
            assertTrue(time.size() >= 2, "ingest-time.csv has a row per worker: " + time);
        }
        if (benchmark.equals("query")) {
            assertTrue(Files.size(OUT.resolve("query-latency.png")) > 1_000, "plot drawn");
        }
        if (benchmark.equals("client")) {
            assertTrue(Files.exists(OUT.resolve("client-latency-targets.md")), "targets written");
            assertTrue(Files.size(OUT.resolve("client-latency-rows.png")) > 1_000, "plot against rows drawn");
            assertTrue(Files.size(OUT.resolve("client-latency-instances.png")) > 1_000, "plot against instances drawn");
        }
    }
}
