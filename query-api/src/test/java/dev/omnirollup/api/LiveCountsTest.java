package dev.omnirollup.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omnirollup.sim.ScratchDatabase;
import dev.omnirollup.store.RollupDatabase;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The live counts read whole Omni tables in the background: every period, or, where a refresh is slow (millions of
 * stored payloads), twenty times as long as it took, so the database spends at most 5 % of a backend on them.
 */
class LiveCountsTest {

    @Test
    void aSlowRefreshPutsTheNextOffByTwentyTimesItsLength() {
        Duration period = Duration.ofSeconds(5);
        assertEquals(period, LiveCounts.nextDelay(period, Duration.ofMillis(3)), "a fast refresh keeps the period");
        assertEquals(period, LiveCounts.nextDelay(period, Duration.ofMillis(250)), "up to a twentieth of it");
        assertEquals(Duration.ofSeconds(8), LiveCounts.nextDelay(period, Duration.ofMillis(400)));
        assertEquals(Duration.ofSeconds(60), LiveCounts.nextDelay(period, Duration.ofSeconds(3)));
    }

    @Test
    void theBackgroundRefreshGoesOnAfterEachRefreshAndAfterAFailedOne() {
        try (ScratchDatabase scratch = TestApi.freshDatabase();
             RollupDatabase database = TestApi.open(scratch, 2);
             LiveCounts live = new LiveCounts(database, Duration.ofMillis(50))) {
            assertEquals(0, live.get().deadLetters().total());
            for (int letters = 1; letters <= 3; letters++) {
                deadLetter(scratch);
                long expected = letters;
                Poll.until(Duration.ofSeconds(10), "the background refresh counts dead letter " + letters,
                        () -> live.get().deadLetters().total() == expected);
            }
            scratch.jdbi().useHandle(h -> h.execute("ALTER TABLE event_payloads RENAME TO event_payloads_gone"));
            Poll.until(Duration.ofSeconds(10), "a refresh fails", () -> live.refreshFailures() > 0);
            assertEquals(3, live.get().deadLetters().total(), "the last snapshot stays");
            scratch.jdbi().useHandle(h -> h.execute("ALTER TABLE event_payloads_gone RENAME TO event_payloads"));
            deadLetter(scratch);
            Poll.until(Duration.ofSeconds(10), "and the refreshes go on after it",
                    () -> live.get().deadLetters().total() == 4);
            assertTrue(live.lastRefresh().toNanos() > 0, "the last refresh's length is known");
        }
    }

    private static void deadLetter(ScratchDatabase scratch) {
        scratch.jdbi().useHandle(h -> h.execute("""
                INSERT INTO dead_letter_events (event_id, event_type, subject, payload, error)
                VALUES (gen_random_uuid()::text, 'message.received', 'message.received.x', '{}', 'boom')"""));
    }
}
