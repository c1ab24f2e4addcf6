package dev.omnirollup.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omnirollup.sim.BulkHistory;
import dev.omnirollup.sim.ScratchDatabase;
import dev.omnirollup.store.RollupDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code omni-rollup verify} as a separate process over a month of backfilled history: clean (exit 0), damaged rollups
 * and rows Omni stored behind the rollups' back (exit 4, a DRIFT line for exactly those days and figures),
 * {@code --repair} (the days before the cutover re-backfilled and clean; a day after it reported as the live
 * ingest's, exit 4), and clean again, also with an instance deleted in Omni.
 */
class VerifyIT {
    private static final Pattern DAY_LINE = Pattern.compile("(\\d{4}-\\d\\d-\\d\\d)  (?:(re-backfilled|live)  )?"
            + "(ok|DRIFT)  (.*)");
    private static final Pattern SUMMARY = Pattern.compile("verify done: (\\d+) days? checked, (\\d+) with drift, "
            + "([\\d ]+) rows and ([\\d ]+) executions compared in .*\\.");

    @Test
    void cleanDriftRepairAndCleanAgain() throws Exception {
        try (ScratchDatabase omni = ScratchDatabase.create().withOmniSchema()) {
            Instant now = Instant.now().truncatedTo(ChronoUnit.MINUTES);
            Instant cutover = now.minus(Duration.ofDays(2));
            BulkHistory.fill(omni, BulkHistory.Options.of(30_000, now.minus(Duration.ofDays(3)), Duration.ofDays(30))
                    .withAutomationLogs(1_500).withInstances(8).withLatencyFraction(0.3));
            try (RollupDatabase rollups = RollupDatabase.open(omni.jdbcUrl(), "rollup", "public", 2, "verify-it")) {
                rollups.migrate();
                rollups.ensureCutover(cutover);
            }
            Map<String, String> settings = Map.of("OMNI_ROLLUP_DATABASE_URL", omni.jdbcUrl());
            Distribution.Result backfill = Distribution.run(Duration.ofMinutes(3), settings, "backfill");
            assertEquals(0, backfill.status(), backfill.text());

            Distribution.Result clean = Distribution.run(Duration.ofMinutes(3), settings, "verify");
            assertEquals(0, clean.status(), clean.text());
            assertTrue(clean.lines().stream().anyMatch(l -> l.startsWith("verify: ") && l.contains(" days from ")
                    && l.contains("(cutover " + cutover + "), all instances")), clean.text());
            List<Matcher> days = dayLines(clean);
            assertTrue(days.size() >= 30, clean.text());
            assertTrue(days.stream().allMatch(m -> m.group(3).equals("ok")), clean.text());
            assertTrue(days.stream().anyMatch(m -> m.group(4).matches("[\\d ]+ rows, [\\d ]+ executions")),
                    clean.text());
            Matcher summary = summary(clean);
            assertEquals(days.size(), Integer.parseInt(summary.group(1)));
            assertEquals("0", summary.group(2));
            assertEquals(30_000, Long.parseLong(summary.group(3).replace(" ", "")), "every row compared");
            assertEquals(1_500, Long.parseLong(summary.group(4).replace(" ", "")));

            // damage: a count lost from a backfilled day (and its running total), rows Omni stored after the backfill
            // read their day, and a row of a day after the cutover that never came through NATS
            LocalDate lost = day(now.minus(Duration.ofDays(10)));
            LocalDate late = day(now.minus(Duration.ofDays(20)));
            Instant liveRow = now.minus(Duration.ofDays(1)).truncatedTo(ChronoUnit.HOURS);
            LocalDate live = day(liveRow);
            omni.jdbi().useHandle(h -> {
                h.execute("UPDATE rollup.msg_day SET completed = completed - 1 WHERE scope = 0 AND src = 1 "
                        + "AND bucket = ?", epoch(lost));
                h.execute("UPDATE rollup.msg_total SET completed = completed - 1 WHERE scope = 0 AND src = 1");
            });
            long completed = count(omni, "SELECT count(*) FROM omni_events WHERE status = 'completed' "
                    + "AND received_at >= '" + lost + "' AND received_at < '" + lost.plusDays(1) + "'");
            UUID instance = firstInstance(omni);
            insertRows(omni, late.atStartOfDay().plusHours(9), instance, 2);
            insertRows(omni, LocalDateTime.ofInstant(liveRow, ZoneOffset.UTC), instance, 1);

            Distribution.Result drift = Distribution.run(Duration.ofMinutes(3), settings, "verify");
            assertEquals(VerifyCommand.DRIFT, drift.status(), drift.text());
            List<Matcher> drifted = dayLines(drift).stream().filter(m -> m.group(3).equals("DRIFT")).toList();
            assertEquals(List.of(late.toString(), lost.toString(), live.toString()),
                    drifted.stream().map(m -> m.group(1)).toList(), drift.text());
            assertEquals("completed: rollups " + VerifyCommand.number(completed - 1) + ", Omni "
                    + VerifyCommand.number(completed), drifted.get(1).group(4));
            assertTrue(drifted.get(0).group(4).startsWith("total: rollups "), drifted.get(0).group(4));
            assertTrue(drifted.get(0).group(4).contains("; channels[discord]: rollups ")
                    && drifted.get(0).group(4).contains("; instances[" + instance + "]: rollups ")
                    && drifted.get(0).group(4).contains("; hours[" + late.atStartOfDay().plusHours(9)
                    .toInstant(ZoneOffset.UTC) + "]: rollups "), drifted.get(0).group(4));
            assertTrue(drifted.get(2).group(4).startsWith("total: rollups 0, Omni 1; inbound: rollups 0, Omni 1"),
                    drifted.get(2).group(4));
            assertEquals("3", summary(drift).group(2));
            String text = drift.text();
            assertTrue(text.contains("2 days before the cutover " + cutover + " can be rebuilt from Omni's tables: "
                    + "run the same command with --repair"), text);
            assertTrue(text.contains("1 day at or after the cutover is the live ingest's and cannot be rebuilt"), text);

            Distribution.Result repair = Distribution.run(Duration.ofMinutes(3), settings, "verify", "--repair");
            assertEquals(VerifyCommand.DRIFT, repair.status(), "the live day is left: " + repair.text());
            List<Matcher> repaired = dayLines(repair).stream().filter(m -> m.group(2) != null).toList();
            assertEquals(List.of(late + " re-backfilled ok", lost + " re-backfilled ok", live + " live DRIFT"),
                    repaired.stream().map(m -> m.group(1) + " " + m.group(2) + " " + m.group(3)).toList(),
                    repair.text());
            assertTrue(repair.lines().contains("repair done: 2 of 2 days before the cutover repaired, 0 still differ, "
                    + "1 day after the cutover not rebuilt."), repair.text());

            omni.jdbi().useHandle(h -> {
                h.execute("DELETE FROM omni_events WHERE channel = 'discord' AND received_at = ?",
                        LocalDateTime.ofInstant(liveRow, ZoneOffset.UTC));
                h.execute("DELETE FROM instances WHERE id = ?", instance);
            });
            Distribution.Result again = Distribution.run(Duration.ofMinutes(3), settings, "verify");
            assertEquals(0, again.status(), again.text());
            assertEquals("0", summary(again).group(2));

            Distribution.Result one = Distribution.run(Duration.ofMinutes(3), settings, "verify", "--instance",
                    instance.toString(), "--from", late.toString(), "--to", late.plusDays(1).toString());
            assertEquals(0, one.status(), one.text());
            assertTrue(one.text().contains("note: instance " + instance + " is not in Omni's instances table"),
                    one.text());
            assertEquals(List.of(late + "  ok  0 rows"), dayLines(one).stream().map(Matcher::group).toList());
        }
    }

    @Test
    void usageAndUnavailableDatabase() {
        Distribution.Result help = Distribution.run(Duration.ofSeconds(30), Map.of(), "verify", "--help");
        assertEquals(0, help.status(), help.text());
        assertTrue(help.text().contains("--repair"), help.text());
        assertTrue(Pattern.compile("(?m)^\\s+4\\s+drift: ").matcher(help.text()).find(), help.text());
        Distribution.Result down = Distribution.run(Duration.ofSeconds(30), Map.of("OMNI_ROLLUP_DATABASE_URL",
                "postgres://u@127.0.0.1:1/omni"), "verify");
        assertEquals(Failure.UNAVAILABLE, down.status(), down.text());
        assertTrue(down.lines().stream().anyMatch(l -> l.startsWith("omni-rollup: PostgreSQL at ")), down.text());
    }

    private static List<Matcher> dayLines(Distribution.Result result) {
        return result.lines().stream().map(DAY_LINE::matcher).filter(Matcher::matches).toList();
    }

    private static Matcher summary(Distribution.Result result) {
        return result.lines().stream().map(SUMMARY::matcher).filter(Matcher::matches).findFirst()
                .orElseThrow(() -> new AssertionError("no summary in:\n" + result.text()));
    }

    private static LocalDate day(Instant instant) {
        return LocalDate.ofInstant(instant, ZoneOffset.UTC);
    }

    private static long epoch(LocalDate day) {
        return day.atStartOfDay().toEpochSecond(ZoneOffset.UTC);
    }

    private static UUID firstInstance(ScratchDatabase omni) {
        try (Connection c = omni.connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT id FROM instances ORDER BY id LIMIT 1"); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getObject(1, UUID.class);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long count(ScratchDatabase omni, String sql) {
        try (Connection c = omni.connect(); PreparedStatement ps = c.prepareStatement(sql);
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Inbound discord rows stored in Omni that never reached the rollups. */
    private static void insertRows(ScratchDatabase omni, LocalDateTime at, UUID instance, int n) {
        try (Connection c = omni.connect(); PreparedStatement ps = c.prepareStatement("INSERT INTO omni_events "
                + "(channel, instance_id, event_type, direction, content_type, status, received_at) "
                + "VALUES ('discord', ?, 'message.received', 'inbound', 'text', 'received', ?)")) {
            for (int i = 0; i < n; i++) {
                ps.setObject(1, instance);
                ps.setObject(2, at);
                ps.executeUpdate();
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
