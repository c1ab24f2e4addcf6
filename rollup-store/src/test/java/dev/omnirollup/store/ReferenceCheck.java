package dev.omnirollup.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;

/**
 * Compares what the rollups say with the same questions asked of Omni's raw rows by plain SQL: totals, every
 * breakdown, per instance, per hour and per day, automation counters, and windows aligned to buckets. Used by the
 * tests of every module.
 */
public final class ReferenceCheck {
    private final RollupDatabase database;
    private final RollupReader reader;

    public ReferenceCheck(RollupDatabase database) {
        this.database = database;
        this.reader = new RollupReader(database, Duration.ofDays(8));
    }

    /** Asserts that every count the rollups hold equals the raw rows' count; returns the number of rows checked. */
    public long assertAllTimeMatches() {
        return database.withConnection(c -> {
            long total = scalar(c, "SELECT count(*) FROM " + database.omni("omni_events"));
            assertReport("all time", reader.allTime(Optional.empty(), Optional.of(Grain.HOUR)), c, "true", List.of(),
                    Optional.of(Grain.HOUR));
            assertEquals(dayTimeline(c, "true", List.of()),
                    reader.allTime(Optional.empty(), Optional.of(Grain.DAY)).timeline(), "daily timeline");
            for (UUID instance : instances(c)) {
                assertReport("instance " + instance, reader.allTime(Optional.of(instance), Optional.of(Grain.HOUR)), c,
                        "instance_id = ?", List.of(instance), Optional.of(Grain.HOUR));
            }
            assertAutomation(c);
            return total;
        });
    }

    /** Asserts a window {@code [since, until]} (both aligned to the buckets that serve them) matches. */
    public void assertWindowMatches(Instant since, Optional<Instant> until, Optional<UUID> instance, Instant now) {
        assertWindowMatches(since, until, instance, Optional.of(Grain.HOUR), now);
    }

    /**
     * Asserts that {@code count} windows drawn at random over the {@code span} before {@code end} match: edges on a
     * minute inside the minute horizon and on an hour before it, {@code until} (inclusive upstream) a millisecond
     * before its boundary or absent, all instances or one of {@code instances}, with an hourly timeline or none (then
     * day rows serve the middle). The edges land anywhere in their hour and day, so the reader's netted edges
     * (a coarser row minus finer ones) are exercised in every combination.
     */
    public void assertRandomWindowsMatch(long seed, int count, Instant end, Duration span, List<UUID> instances,
                                         Instant now) {
        Random random = new Random(seed);
        Instant horizon = now.minus(Duration.ofDays(8));
        for (int i = 0; i < count; i++) {
            Instant since = aligned(end.minusSeconds(random.nextLong(span.toSeconds())), horizon);
            Optional<Instant> until = random.nextInt(3) == 0 ? Optional.empty() : Optional.of(aligned(
                    since.plusSeconds(random.nextLong(span.toSeconds())), horizon).minusMillis(1));
            if (until.isPresent() && !until.get().isAfter(since)) {
                continue;
            }
            Optional<UUID> instance = random.nextInt(3) == 0
                    ? Optional.of(instances.get(random.nextInt(instances.size()))) : Optional.empty();
            assertWindowMatches(since, until, instance,
                    random.nextBoolean() ? Optional.of(Grain.HOUR) : Optional.empty(), now);
        }
    }

    /** On a minute inside the minute horizon, on an hour before it. */
    private static Instant aligned(Instant instant, Instant horizon) {
        return instant.truncatedTo(instant.isBefore(horizon) ? ChronoUnit.HOURS : ChronoUnit.MINUTES);
    }

    private void assertWindowMatches(Instant since, Optional<Instant> until, Optional<UUID> instance,
                                     Optional<Grain> timeline, Instant now) {
        database.withConnection(c -> {
            List<Object> parameters = new ArrayList<>();
            StringBuilder where = new StringBuilder("received_at >= ?");
            parameters.add(utc(since));
            until.ifPresent(u -> {
                where.append(" AND received_at <= ?");
                parameters.add(utc(u));
            });
            instance.ifPresent(i -> {
                where.append(" AND instance_id = ?");
                parameters.add(i);
            });
            WindowReport report = reader.window(since, until, instance, timeline, now);
            assertReport("window " + since + ".." + until + " " + instance + " " + timeline, report, c,
                    where.toString(), parameters, timeline);
            return null;
        });
    }

    /** @param timeline the timeline's grain, or empty to leave the timeline out */
    private void assertReport(String what, WindowReport report, Connection c, String where, List<Object> parameters,
                              Optional<Grain> timeline) throws SQLException {
        String table = database.omni("omni_events");
        long[] expected = new long[6];
        try (PreparedStatement ps = prepare(c, "SELECT count(*), count(*) FILTER (WHERE status = 'completed'), "
                + "count(*) FILTER (WHERE status = 'failed'), count(*) FILTER (WHERE status = 'pending'), "
                + "count(*) FILTER (WHERE direction = 'inbound'), count(*) FILTER (WHERE direction = 'outbound') FROM "
                + table + " WHERE " + where, parameters); ResultSet rs = ps.executeQuery()) {
            rs.next();
            for (int i = 0; i < expected.length; i++) {
                expected[i] = rs.getLong(i + 1);
            }
        }
        MessageCounts counts = report.counts();
        assertEquals(List.of(expected[0], expected[1], expected[2], expected[3], expected[4], expected[5]),
                List.of(counts.total(), counts.completed(), counts.failed(), counts.pending(), counts.inbound(),
                        counts.outbound()), what + ": total, completed, failed, pending, inbound, outbound");
        assertEquals(groups(c, "channel", where, parameters), report.channels(), what + ": by channel");
        assertEquals(groups(c, "content_type", where, parameters), report.contentTypes(), what + ": by content type");
        assertEquals(groups(c, "error_stage", where, parameters), report.errorStages(), what + ": by error stage");
        assertEquals(groups(c, "event_type", where, parameters), report.eventTypes(), what + ": by event type");
        if (!where.contains("instance_id")) {
            Map<UUID, Long> byInstance = new HashMap<>();
            groups(c, "instance_id", where, parameters).forEach((k, v) -> byInstance.put(UUID.fromString(k), v));
            assertEquals(byInstance, report.instances(), what + ": by instance");
        }
        if (timeline.isEmpty()) {
            return;
        }
        String timelineGrain = timeline.get().suffix();
        List<WindowReport.TimelinePoint> points = new ArrayList<>();
        try (PreparedStatement ps = prepare(c, "SELECT extract(epoch FROM date_trunc('" + timelineGrain
                + "', received_at))::bigint, count(*) FROM " + table + " WHERE " + where + " GROUP BY 1 ORDER BY 1",
                parameters); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                points.add(new WindowReport.TimelinePoint(rs.getLong(1), rs.getLong(2)));
            }
        }
        assertEquals(points, report.timeline(), what + ": " + timelineGrain + "ly timeline");
    }

    private List<WindowReport.TimelinePoint> dayTimeline(Connection c, String where, List<Object> parameters)
            throws SQLException {
        List<WindowReport.TimelinePoint> timeline = new ArrayList<>();
        try (PreparedStatement ps = prepare(c, "SELECT extract(epoch FROM date_trunc('day', received_at))::bigint, "
                + "count(*) FROM " + database.omni("omni_events") + " WHERE " + where + " GROUP BY 1 ORDER BY 1",
                parameters); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                timeline.add(new WindowReport.TimelinePoint(rs.getLong(1), rs.getLong(2)));
            }
        }
        return timeline;
    }

    /**
     * Asserts that the automation counters equal plain SQL over {@code automation_logs}, and the failures since
     * {@code now - 24h} equal the rows in that window widened to its minute.
     */
    public void assertAutomationMatches(Instant now) {
        database.withConnection(c -> {
            assertAutomation(c, now);
            return null;
        });
    }

    private void assertAutomation(Connection c) throws SQLException {
        assertAutomation(c, Instant.now());
    }

    private void assertAutomation(Connection c, Instant now) throws SQLException {
        AutomationReport report = reader.automation(now);
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM " + database.omni("automation_logs")
                + " WHERE status = 'failed' AND created_at >= date_trunc('minute', ?::timestamp)")) {
            ps.setObject(1, utc(now.minus(Duration.ofHours(24))));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertEquals(rs.getLong(1), report.recentFailures(), "automation: recent failures");
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*), count(*) FILTER (WHERE status = 'success'), "
                + "count(*) FILTER (WHERE status = 'failed'), count(*) FILTER (WHERE status = 'skipped'), "
                + "coalesce(sum(jsonb_array_length(actions_executed)) FILTER (WHERE jsonb_typeof(actions_executed) = 'array'), 0), "
                + "coalesce(sum(execution_time_ms), 0), count(execution_time_ms) FROM " + database.omni("automation_logs"));
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            assertEquals(List.of(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getLong(6),
                            rs.getLong(7)),
                    List.of(report.executions(), report.success(), report.failed(), report.skipped(), report.actions(),
                            report.execSum(), report.execCount()),
                    "automation: executions, success, failed, skipped, actions, time sum, time count");
        }
    }

    private Map<String, Long> groups(Connection c, String column, String where, List<Object> parameters)
            throws SQLException {
        Map<String, Long> groups = new HashMap<>();
        try (PreparedStatement ps = prepare(c, "SELECT " + column + "::text, count(*) FROM " + database.omni("omni_events")
                + " WHERE " + where + " AND " + column + " IS NOT NULL GROUP BY 1", parameters);
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                groups.put(rs.getString(1), rs.getLong(2));
            }
        }
        return groups;
    }

    private List<UUID> instances(Connection c) throws SQLException {
        List<UUID> instances = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT DISTINCT instance_id FROM " + database.omni("omni_events")
                + " WHERE instance_id IS NOT NULL"); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                instances.add(rs.getObject(1, UUID.class));
            }
        }
        return instances;
    }

    private static PreparedStatement prepare(Connection c, String sql, List<Object> parameters) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        for (int i = 0; i < parameters.size(); i++) {
            ps.setObject(i + 1, parameters.get(i));
        }
        return ps;
    }

    private static long scalar(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static LocalDateTime utc(Instant instant) {
        return LocalDateTime.ofInstant(instant, ZoneOffset.UTC);
    }
}
