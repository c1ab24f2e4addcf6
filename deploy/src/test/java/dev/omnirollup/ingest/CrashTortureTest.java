package dev.omnirollup.ingest;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omnirollup.sim.OmniEvent;
import dev.omnirollup.store.ReferenceCheck;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Crash torture: ingest workers run as separate processes while a long stream of generated events is published,
 * and a worker is killed with SIGKILL at random moments (and replaced). Afterwards every rollup count equals plain
 * SQL over the rows upstream's persistence writes: nothing lost, nothing counted twice.
 *
 * <p>CI runs a short version. The long run (documented in docs/reliability.md):
 * {@code scripts/reliability-long.sh torture} (60 kills of 3 workers over 120 000 events, 1 partition, then 3).
 */
class CrashTortureTest {
    private static final int KILLS = Integer.getInteger("torture.kills", 8);
    private static final int EVENTS = Integer.getInteger("torture.events", 16_000);
    private static final int WORKERS = Integer.getInteger("torture.workers", 2);
    /** Ingest partitions the workers share out (a kill hands the victim's partitions to the others). */
    private static final int PARTITIONS = Integer.getInteger("torture.partitions", 2);

    @Test
    void randomSigkillsOfWorkersLoseAndDoubleNothing() throws Exception {
        try (IngestHarness harness = new IngestHarness()) {
            harness.set("ingest-batch-size", "200").set("ingest-partitions", Integer.toString(PARTITIONS));
            List<OmniEvent> events = harness.traffic(99, EVENTS);
            harness.persistReference(events);
            List<Process> workers = new ArrayList<>();
            for (int i = 0; i < WORKERS; i++) {
                workers.add(harness.startProcess());
            }
            long started = System.nanoTime();
            CompletableFuture<Void> publishing = CompletableFuture.runAsync(() -> {
                int chunk = Math.max(200, EVENTS / (KILLS * 3));
                for (int i = 0; i < events.size(); i += chunk) {
                    harness.publish(events.subList(i, Math.min(events.size(), i + chunk)));
                    IngestHarness.sleep(150); // pacing: publishing goes on while workers are killed
                }
            });
            Random random = new Random(7);
            int kills = 0;
            while (kills < KILLS) {
                IngestHarness.sleep(300 + random.nextInt(2_200)); // a random moment to kill a worker at
                int victim = random.nextInt(workers.size());
                Process process = workers.get(victim);
                process.destroyForcibly(); // SIGKILL
                assertTrue(process.waitFor(30, TimeUnit.SECONDS));
                kills++;
                workers.set(victim, harness.startProcess());
            }
            publishing.get();
            harness.awaitCaughtUp(Duration.ofSeconds(300));
            new ReferenceCheck(harness.rollups).assertAllTimeMatches();
            System.out.printf("crash torture: %d workers, %d partitions, %d SIGKILLs, %d events, %.1f s, lost 0,"
                    + " doubled 0%n", WORKERS, PARTITIONS, kills, EVENTS, (System.nanoTime() - started) / 1e9);
        }
    }
}
