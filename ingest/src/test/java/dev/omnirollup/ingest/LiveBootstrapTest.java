package dev.omnirollup.ingest;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omnirollup.sim.OmniEvent;
import dev.omnirollup.store.Backfill;
import dev.omnirollup.store.Config;
import dev.omnirollup.store.ReferenceCheck;
import dev.omnirollup.store.StoreSettings;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Bootstrap on a live system: Omni has history, the ingest starts (recording the cutover), events keep coming,
 * and backfill runs while the ingest runs. Afterwards every row of the whole history is counted once.
 */
class LiveBootstrapTest {
    @Test
    void backfillWhileIngestRunsCountsTheWholeHistoryOnce() throws Exception {
        try (IngestHarness harness = new IngestHarness()) {
            Instant cutover = IngestHarness.END.minus(Duration.ofDays(3)).truncatedTo(ChronoUnit.HOURS);
            harness.set("ingest-cutover", cutover.toString());
            List<OmniEvent> events = harness.traffic(51, 9_000);
            List<OmniEvent> history = events.stream().filter(e -> e.timestamp() < cutover.toEpochMilli()).toList();
            List<OmniEvent> live = events.stream().filter(e -> e.timestamp() >= cutover.toEpochMilli()).toList();
            assertTrue(history.size() > 3_000 && live.size() > 1_500);

            harness.persistReference(history);
            harness.publish(history); // the stream still holds them; the ingest must leave them to backfill
            harness.startInProcess();
            Config config = harness.config();
            Backfill backfill = new Backfill(harness.rollups, InstantSource.system(), config.get(StoreSettings.MINUTE_RETENTION));
            CompletableFuture<Void> publishing = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < live.size(); i += 500) {
                    List<OmniEvent> chunk = live.subList(i, Math.min(live.size(), i + 500));
                    harness.persistReference(chunk); // upstream's persistence keeps writing, too
                    harness.publish(chunk);
                }
            });
            backfill.run(backfill.plan(cutover, Optional.empty(), Optional.empty()), false, () -> false, (p, r) -> { });
            publishing.get();
            harness.awaitCaughtUp(Duration.ofSeconds(240));
            ReferenceCheck check = new ReferenceCheck(harness.rollups);
            check.assertAllTimeMatches();
            // and a second backfill, after upstream applied every receipt, changes nothing
            backfill.run(backfill.plan(cutover, Optional.empty(), Optional.empty()), false, () -> false, (p, r) -> { });
            check.assertAllTimeMatches();
        }
    }
}
