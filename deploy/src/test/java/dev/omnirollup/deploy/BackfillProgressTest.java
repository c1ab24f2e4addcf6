package dev.omnirollup.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omnirollup.store.Backfill;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BackfillProgressTest {
    private static final long DAY = 86_400;
    private static final long FIRST = Instant.parse("2025-01-01T00:00:00Z").getEpochSecond();

    private final AtomicLong nanos = new AtomicLong();
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private static Backfill.Plan plan(int days, long estimatedRows) {
        return new Backfill.Plan(Instant.ofEpochSecond(FIRST + days * DAY), FIRST, FIRST + days * DAY, estimatedRows);
    }

    private List<String> lines() {
        return bytes.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void printsRowsRateAndTimeLeftAtMostEveryIntervalOffATerminal() {
        BackfillProgress progress = new BackfillProgress(out, false, nanos::get, Duration.ofSeconds(2), false);
        Backfill.Plan plan = plan(10, 0);
        for (int day = 0; day < 10; day++) {
            nanos.addAndGet(Duration.ofSeconds(1).toNanos());
            progress.dayDone(plan, new Backfill.DayResult(FIRST + day * DAY, 1_000_000, 50_000));
        }
        List<String> lines = lines();
        // one line every 2 s of the 10 s, the last day always
        assertEquals(5, lines.size(), lines.toString());
        assertEquals("backfill 2025-01-02  day 2/10  2,100,000 rows  1.05 M rows/s  8s left", lines.get(0));
        assertEquals("backfill 2025-01-10  day 10/10  10,500,000 rows  1.05 M rows/s  0s left", lines.get(4));
        assertEquals(10_000_000, progress.eventRows());
        assertEquals(500_000, progress.automationRows());
        assertEquals(Duration.ofSeconds(10), progress.elapsed());
    }

    @Test
    void estimatesAFixedCostPerDayAndACostPerRow() {
        BackfillProgress progress = new BackfillProgress(out, false, nanos::get, Duration.ZERO, true);
        Backfill.Plan plan = plan(10, 10_000);
        // day 1: 100 rows in 1.0 s, day 2: 1,100 rows in 2.0 s -> 0.9 s per day + 1 ms per row
        nanos.addAndGet(Duration.ofMillis(1_000).toNanos());
        progress.dayDone(plan, new Backfill.DayResult(FIRST, 100, 0));
        nanos.addAndGet(Duration.ofMillis(2_000).toNanos());
        progress.dayDone(plan, new Backfill.DayResult(FIRST + DAY, 1_100, 0));
        // 8 days * 0.9 s + (10,000 - 1,200) rows * 1 ms = 16 s
        assertTrue(lines().get(1).endsWith("  16s left"), lines().toString());
    }

    @Test
    void withoutTheWholeHistoryRowsLeftFollowTheRowsPerDaySoFar() {
        BackfillProgress progress = new BackfillProgress(out, false, nanos::get, Duration.ZERO, false);
        Backfill.Plan plan = plan(10, 1_000_000_000);
        nanos.addAndGet(Duration.ofMillis(1_000).toNanos());
        progress.dayDone(plan, new Backfill.DayResult(FIRST, 100, 0));
        nanos.addAndGet(Duration.ofMillis(2_000).toNanos());
        progress.dayDone(plan, new Backfill.DayResult(FIRST + DAY, 1_100, 0));
        // 8 days * (0.9 s + 600 rows * 1 ms): the planner's estimate (whole tables) does not apply to a range
        assertTrue(lines().get(1).endsWith("  12s left"), lines().toString());
    }

    @Test
    void rewritesOneLineOnATerminalAndEndsIt() {
        BackfillProgress progress = new BackfillProgress(out, true, nanos::get, Duration.ofSeconds(2), false);
        Backfill.Plan plan = plan(2, 0);
        progress.dayDone(plan, new Backfill.DayResult(FIRST, 5, 0));
        progress.dayDone(plan, new Backfill.DayResult(FIRST + DAY, 5, 0));
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(2, text.chars().filter(c -> c == '\r').count(), text);
        assertTrue(text.endsWith("\u001b[K" + System.lineSeparator()), text);
    }

    @Test
    void compactNumbersAndDurations() {
        assertEquals("950", BackfillProgress.compact(950));
        assertEquals("12.3 k", BackfillProgress.compact(12_345));
        assertEquals("1.24 M", BackfillProgress.compact(1_240_000));
        assertEquals("4.5s", BackfillProgress.duration(Duration.ofMillis(4_500)));
        assertEquals("42s", BackfillProgress.duration(Duration.ofSeconds(42)));
        assertEquals("2m05s", BackfillProgress.duration(Duration.ofSeconds(125)));
        assertEquals("1h02m", BackfillProgress.duration(Duration.ofMinutes(62)));
    }
}
