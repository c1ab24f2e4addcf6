package dev.omnirollup.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omnirollup.sim.BulkHistory;
import dev.omnirollup.sim.ScratchDatabase;
import dev.omnirollup.store.Await;
import dev.omnirollup.store.ReferenceCheck;
import dev.omnirollup.store.RollupDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code omni-rollup backfill} as a separate process over a year of generated history: killed with
 * {@code kill -9} in the middle, interrupted with Ctrl-C (SIGINT) in the middle, run again to the end, and the
 * rollups equal plain SQL over Omni's rows.
 */
class BackfillIT {
    @Test
    void killedMidRunThenRerunEqualsPlainSql() throws Exception {
        try (ScratchDatabase omni = ScratchDatabase.create().withOmniSchema()) {
            Instant end = Instant.now().minus(Duration.ofMinutes(5));
            BulkHistory.fill(omni, BulkHistory.Options.of(400_000, end, Duration.ofDays(365))
                    .withAutomationLogs(20_000).withInstances(20));
            Map<String, String> settings = Map.of("OMNI_ROLLUP_DATABASE_URL", omni.jdbcUrl());

            long doneAtKill;
            try (Distribution first = Distribution.start(settings, "backfill")) {
                String header = first.awaitLine(l -> l.startsWith("backfill: "), Duration.ofSeconds(60));
                assertTrue(header.matches("backfill: [\\d,]+ days from \\d{4}-\\d\\d-\\d\\d to .*"), header);
                Await.until("the first backfill has done 20 days", Duration.ofSeconds(60), () -> daysDone(omni) >= 20);
                first.signal("KILL");
                assertEquals(137, first.await(Duration.ofSeconds(30)));
                doneAtKill = daysDone(omni);
                List<String> output = first.output();
                assertTrue(output.stream().anyMatch(l -> l.startsWith("no cutover was recorded yet: recorded ")),
                        String.join("\n", output));
            }
            long days = 365 + 1;
            assertTrue(doneAtKill < days - 10, "the kill came in the middle of the run (" + doneAtKill
                    + " days done); make the history longer if backfill got this fast");

            try (Distribution second = Distribution.start(settings, "backfill")) {
                second.awaitLine(l -> l.startsWith("backfill: "), Duration.ofSeconds(60));
                long before = daysDone(omni);
                Await.until("the resumed backfill has done 5 more days", Duration.ofSeconds(60), () -> daysDone(omni) >= before + 5);
                second.signal("INT");
                assertEquals(Failure.INTERRUPTED, second.await(Duration.ofSeconds(60)));
                String text = String.join("\n", second.output());
                assertTrue(text.contains("backfill interrupted after "), text);
                assertTrue(text.contains("Every finished day is committed and the rollups are consistent; run the "
                        + "same command again to finish the job"), text);
            }

            Distribution.Result rerun = Distribution.run(Duration.ofMinutes(5), settings, "backfill");
            assertEquals(0, rerun.status(), rerun.text());
            String text = rerun.text();
            assertFalse(text.contains("no cutover was recorded"), "the first run's cutover stays: " + text);
            assertTrue(rerun.lines().stream().anyMatch(l -> l.matches(
                    "backfill \\d{4}-\\d\\d-\\d\\d  day ([\\d,]+)/\\1  [\\d,]+ rows  .* rows/s  0s left")), text);
            assertTrue(rerun.lines().stream().anyMatch(l -> l.matches("backfill done: [\\d,]+ days, 4[\\d,]+ "
                    + "omni_events rows and 20,000 automation_logs rows in .* \\(.* rows/s\\)\\.")), text);

            try (RollupDatabase rollups = RollupDatabase.open(omni.jdbcUrl(), "rollup", "public", 2, "check")) {
                long checked = new ReferenceCheck(rollups).assertAllTimeMatches();
                assertEquals(400_000, checked);
            }
        }
    }

    private static long daysDone(ScratchDatabase omni) {
        try (Connection c = omni.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM rollup.backfill_days")) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            return 0; // not migrated yet
        } catch (RuntimeException e) {
            return 0;
        }
    }
}
