package dev.omnirollup.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omnirollup.store.ApplyPhases;
import dev.omnirollup.store.Metrics;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What an operator sees of the applier: where a worker's applying time goes ({@code omni_rollup_ingest_apply_seconds}
 * has every phase of the batches' transactions, together no more than the worker's applying time), and where the
 * rollup rows' breakdown maps were merged ({@code omni_rollup_ingest_breakdown_rows_total}).
 */
class ApplierMetricsTest {
    @Test
    void everyPhaseOfTheMessageStreamsTransactionsIsScraped() {
        try (IngestHarness harness = new IngestHarness()) {
            harness.set("ingest-batch-size", "200");
            harness.publish(harness.traffic(91, 2_000));
            Metrics metrics = new Metrics();
            harness.startInProcess(metrics);
            harness.awaitCaughtUp(Duration.ofSeconds(120));
            String stream = Pattern.quote(harness.nats.messageStream());
            Pattern series = Pattern.compile("omni_rollup_ingest_(apply|time)_seconds\\{stream=\"" + stream
                    + "\",partition=\"0\",(?:phase|activity)=\"(\\w+)\"} ([0-9.]+)");
            Map<String, Double> seconds = new HashMap<>();
            Matcher m = series.matcher(metrics.scrape());
            while (m.find()) {
                seconds.put(m.group(1) + " " + m.group(2), Double.parseDouble(m.group(3)));
            }
            double phases = 0;
            for (ApplyPhases.Phase phase : ApplyPhases.Phase.values()) {
                Double value = seconds.get("apply " + phase.label());
                assertNotNull(value, phase.label() + " in " + seconds);
                phases += value;
            }
            for (String ran : new String[] {"fold", "index_write", "rollup_write", "commit"}) {
                assertTrue(seconds.get("apply " + ran) > 0, ran + " took time: " + seconds);
            }
            assertTrue(phases <= seconds.get("time applying"), "phases " + phases + " within applying: " + seconds);
        }
    }

    /**
     * A process that is its rows' only writer (the default) merges the maps of the rows it wrote last itself, and
     * leaves the new rows to PostgreSQL; with every process consuming at once, PostgreSQL merges them all.
     */
    @Test
    void theBreakdownRowsCountWhereTheirMapsWereMerged() {
        for (String singleActive : new String[] {"true", "false"}) {
            try (IngestHarness harness = new IngestHarness()) {
                harness.set("ingest-batch-size", "200");
                harness.set("ingest-single-active", singleActive);
                harness.publish(harness.traffic(92, 2_000));
                Metrics metrics = new Metrics();
                harness.startInProcess(metrics);
                harness.awaitCaughtUp(Duration.ofSeconds(120));
                Matcher m = Pattern.compile("omni_rollup_ingest_breakdown_rows_total\\{merged_by=\"(\\w+)\"} (\\d+)")
                        .matcher(metrics.scrape());
                Map<String, Long> rows = new HashMap<>();
                while (m.find()) {
                    rows.put(m.group(1), Long.parseLong(m.group(2)));
                }
                assertTrue(rows.get("database") > 0, singleActive + ": " + rows);
                if (singleActive.equals("true")) {
                    assertTrue(rows.get("ingest") > 0, "merged by the only writer: " + rows);
                } else {
                    assertEquals(0L, rows.get("ingest"), "nothing remembered: " + rows);
                }
            }
        }
    }
}
