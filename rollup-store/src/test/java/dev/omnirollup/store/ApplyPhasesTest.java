package dev.omnirollup.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omnirollup.store.ApplyPhases.Phase;
import org.junit.jupiter.api.Test;

class ApplyPhasesTest {
    @Test
    void lapsChargeTheTimeSinceTheLastOneAndSumsArePhaseByPhase() throws InterruptedException {
        ApplyPhases.Stopwatch watch = new ApplyPhases.Stopwatch();
        long start = System.nanoTime();
        Thread.sleep(5);
        watch.lap(Phase.INDEX_READ);
        watch.lap(Phase.FOLD);
        Thread.sleep(5);
        watch.lap(Phase.INDEX_READ);
        ApplyPhases one = watch.read();
        long elapsed = System.nanoTime() - start;
        assertTrue(one.nanos(Phase.INDEX_READ) >= 10_000_000, one.toString());
        long sum = 0;
        for (Phase phase : Phase.values()) {
            sum += one.nanos(phase);
        }
        assertTrue(sum <= elapsed, sum + " of " + elapsed);
        assertEquals(0, one.nanos(Phase.COMMIT));
        ApplyPhases two = one.plus(one);
        for (Phase phase : Phase.values()) {
            assertEquals(2 * one.nanos(phase), two.nanos(phase), phase.label());
        }
        assertEquals(one, ApplyPhases.NONE.plus(one));
    }

    @Test
    void everyPhaseIsNamedInTheLogLineAndTheMetricLabels() {
        assertEquals("claim 0.0 s, index read 0.0 s, fold 0.0 s, index write 0.0 s, rollup write 0.0 s,"
                + " finish 0.0 s, commit 0.0 s", ApplyPhases.NONE.toString());
        assertEquals("index_write", Phase.INDEX_WRITE.label());
    }
}
