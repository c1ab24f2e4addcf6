package dev.omnirollup.ingest;

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
 * An operator sees where a worker's applying time goes: {@code omni_rollup_ingest_apply_seconds} has every phase of
 * the batches' transactions, and together they are no more than the worker's applying time.
 */
class ApplyPhaseMetricsTest {
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
}
