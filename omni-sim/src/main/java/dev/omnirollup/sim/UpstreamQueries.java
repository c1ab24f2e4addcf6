package dev.omnirollup.sim;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * Upstream's dashboard SQL (contract §3) over Omni's tables, as plain statements of the same shape (aggregates over
 * {@code omni_events} on every call, no extra indexes), returning plain Java values with upstream's rules: averages
 * {@code avg(x)::int} (numeric to int, halves away from zero) and p95 {@code percentile_cont(0.95)::int} (float to
 * int, halves to even), both cast in SQL; rates {@code (a / b) * 100} in doubles, in that order, 0 when b = 0;
 * windows {@code received_at >= since} [and {@code <= until}] with {@code now} passed in (millisecond precision),
 * never the database clock.
 *
 * <p>Nullable integers are {@code Optional<Integer>} (empty = JSON null). Maps are unordered (upstream's key order is
 * whatever PostgreSQL returns). Stateless and thread-safe; each call uses the given connection as is (no
 * transaction, like upstream).
 */
public final class UpstreamQueries {

    private UpstreamQueries() {
    }

    /** {@code GET /api/v2/event-ops/metrics} (the object inside {@code data}), 18 fields in upstream's order. */
    public record Metrics(long totalEvents, long eventsLast24h, long eventsLast7d, long eventsLastHour,
            double eventsPerHour, double eventsPerMinute, long completed, long failed, long pending,
            Optional<Integer> avgProcessingTimeMs, Optional<Integer> avgAgentLatencyMs,
            Optional<Integer> p95ProcessingTimeMs, double failureRate, Map<String, Long> errorsByStage,
            long deadLettersPending, long deadLettersResolved, long payloadsStored, long storageSizeBytes) {

        public Metrics {
            errorsByStage = Map.copyOf(errorsByStage);
        }
    }

    /** {@code byDirection} of analytics: missing groups are 0. */
    public record ByDirection(long inbound, long outbound) {
    }

    /** One {@code timeline} entry: {@code bucket} formatted {@code YYYY-MM-DD HH:MM:SS} (UTC wall clock). */
    public record TimelineBucket(String bucket, long count) {
    }

    /** {@code GET /api/v2/events/analytics}; {@code timeline} is present only when a granularity was given. */
    public record Analytics(long totalMessages, long successfulMessages, long failedMessages, double successRate,
            Optional<Integer> avgProcessingTimeMs, Optional<Integer> avgAgentTimeMs, Map<String, Long> messageTypes,
            Map<String, Long> errorStages, Map<String, Long> instances, Map<String, Long> byChannel,
            ByDirection byDirection, Optional<List<TimelineBucket>> timeline) {

        public Analytics {
            messageTypes = Map.copyOf(messageTypes);
            errorStages = Map.copyOf(errorStages);
            instances = Map.copyOf(instances);
            byChannel = Map.copyOf(byChannel);
            timeline = timeline.map(List::copyOf);
        }
    }

    /** {@code GET /api/v2/dead-letters/stats} plus {@code retrying} (promised by upstream's OpenAPI). */
    public record DeadLetterStats(long total, long pending, long resolved, long abandoned, long retrying,
            Map<String, Long> byEventType) {

        public DeadLetterStats {
            byEventType = Map.copyOf(byEventType);
        }
    }

    /**
     * {@code GET /api/v2/automation-metrics}; {@code running} is upstream's value (always false: the engine is never
     * started, so {@code instanceQueues} is absent).
     */
    public record AutomationMetrics(boolean running, long totalExecutions, long totalActions, double successRate,
            int avgExecutionTimeMs, long recentFailures) {
    }

    /** The {@code instances} part of {@code GET /api/v2/health}: byChannel counts all rows per channel. */
    public record HealthInstances(long total, long connected, Map<String, Long> byChannel) {

        public HealthInstances {
            byChannel = Map.copyOf(byChannel);
        }
    }

    // ---------------------------------------------------------------- §3.1

    /** §3.1: all-time volume, three windows from {@code now}, errors by stage, dead letters and payloads. */
    public static Metrics metrics(Connection connection, Instant now) {
        Instant at = millis(now);
        try {
            long total;
            long completed;
            long failed;
            long pending;
            Optional<Integer> avgProcessing;
            Optional<Integer> avgAgent;
            Optional<Integer> p95;
            try (PreparedStatement s = connection.prepareStatement("""
                    SELECT count(*) AS total,
                           count(*) FILTER (WHERE status = 'completed') AS completed,
                           count(*) FILTER (WHERE status = 'failed') AS failed,
                           count(*) FILTER (WHERE status = 'pending') AS pending,
                           avg(processing_time_ms)::int AS avg_processing,
                           avg(agent_latency_ms)::int AS avg_agent,
                           (percentile_cont(0.95) WITHIN GROUP (ORDER BY processing_time_ms))::int AS p95
                      FROM omni_events""");
                    ResultSet rs = s.executeQuery()) {
                rs.next();
                total = rs.getLong("total");
                completed = rs.getLong("completed");
                failed = rs.getLong("failed");
                pending = rs.getLong("pending");
                avgProcessing = optionalInt(rs, "avg_processing");
                avgAgent = optionalInt(rs, "avg_agent");
                p95 = optionalInt(rs, "p95");
            }
            long last24h = countSince(connection, at.minus(Duration.ofHours(24)));
            long last7d = countSince(connection, at.minus(Duration.ofDays(7)));
            long lastHour = countSince(connection, at.minus(Duration.ofHours(1)));
            Map<String, Long> errorsByStage = groupCount(connection,
                    "SELECT error_stage, count(*) FROM omni_events WHERE error_stage IS NOT NULL GROUP BY error_stage",
                    List.of());
            DeadLetterStats deadLetters = deadLetterStats(connection);
            long payloadsStored = scalar(connection,
                    "SELECT count(*) FROM event_payloads WHERE deleted_at IS NULL");
            long storageSize = scalar(connection,
                    "SELECT coalesce(sum(payload_size_compressed), 0)::bigint FROM event_payloads"
                            + " WHERE deleted_at IS NULL");
            return new Metrics(total, last24h, last7d, lastHour, last24h / 24.0, lastHour / 60.0, completed, failed,
                    pending, avgProcessing, avgAgent, p95, rate(failed, total), errorsByStage, deadLetters.pending(),
                    deadLetters.resolved(), payloadsStored, storageSize);
        } catch (SQLException e) {
            throw new OmniSimException("upstream metrics query failed: " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- §3.2

    /**
     * §3.2 with the route's effective window: {@code allTime} drops both bounds; otherwise {@code since} defaults to
     * {@code now - 24h} and {@code until} is optional (both inclusive). {@code granularity} is {@code hourly} or
     * {@code daily} and enables the timeline.
     */
    public static Analytics analytics(Connection connection, Instant now, Optional<Instant> since,
            Optional<Instant> until, Optional<UUID> instanceId, Optional<String> granularity, boolean allTime) {
        Objects.requireNonNull(now, "now");
        Optional<String> unit = granularity.map(g -> switch (g) {
            case "hourly" -> "hour";
            case "daily" -> "day";
            default -> throw new IllegalArgumentException("granularity must be hourly or daily, got " + g);
        });
        List<String> conditions = new ArrayList<>();
        List<Object> parameters = new ArrayList<>();
        if (!allTime) {
            conditions.add("received_at >= ?");
            parameters.add(utc(since.map(UpstreamQueries::millis).orElse(millis(now).minus(Duration.ofHours(24)))));
            until.ifPresent(u -> {
                conditions.add("received_at <= ?");
                parameters.add(utc(millis(u)));
            });
        }
        instanceId.ifPresent(id -> {
            conditions.add("instance_id = ?");
            parameters.add(id);
        });
        String where = conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
        try {
            long total;
            long successful;
            long failed;
            Optional<Integer> avgProcessing;
            Optional<Integer> avgAgent;
            try (PreparedStatement s = prepare(connection, """
                    SELECT count(*) AS total,
                           count(*) FILTER (WHERE status = 'completed') AS successful,
                           count(*) FILTER (WHERE status = 'failed') AS failed,
                           avg(processing_time_ms)::int AS avg_processing,
                           avg(agent_latency_ms)::int AS avg_agent
                      FROM omni_events""" + where, parameters);
                    ResultSet rs = s.executeQuery()) {
                rs.next();
                total = rs.getLong("total");
                successful = rs.getLong("successful");
                failed = rs.getLong("failed");
                avgProcessing = optionalInt(rs, "avg_processing");
                avgAgent = optionalInt(rs, "avg_agent");
            }
            Map<String, Long> messageTypes = groupCount(connection,
                    "SELECT content_type, count(*) FROM omni_events" + where + " GROUP BY content_type", parameters);
            Map<String, Long> errorStages = groupCount(connection,
                    "SELECT error_stage, count(*) FROM omni_events" + where
                            + (where.isEmpty() ? " WHERE" : " AND") + " error_stage IS NOT NULL GROUP BY error_stage",
                    parameters);
            Map<String, Long> instances = groupCount(connection,
                    "SELECT instance_id::text, count(*) FROM omni_events" + where + " GROUP BY instance_id",
                    parameters);
            Map<String, Long> byChannel = groupCount(connection,
                    "SELECT channel, count(*) FROM omni_events" + where + " GROUP BY channel", parameters);
            Map<String, Long> directions = groupCount(connection,
                    "SELECT direction, count(*) FROM omni_events" + where + " GROUP BY direction", parameters);
            ByDirection byDirection = new ByDirection(directions.getOrDefault("inbound", 0L),
                    directions.getOrDefault("outbound", 0L));
            Optional<List<TimelineBucket>> timeline = Optional.empty();
            if (unit.isPresent()) {
                String bucket = "date_trunc('" + unit.get() + "', received_at)";
                List<TimelineBucket> buckets = new ArrayList<>();
                try (PreparedStatement s = prepare(connection, "SELECT to_char(" + bucket
                        + ", 'YYYY-MM-DD HH24:MI:SS'), count(*) FROM omni_events" + where + " GROUP BY " + bucket
                        + " ORDER BY " + bucket, parameters);
                        ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        buckets.add(new TimelineBucket(rs.getString(1), rs.getLong(2)));
                    }
                }
                timeline = Optional.of(buckets);
            }
            return new Analytics(total, successful, failed, rate(successful, total), avgProcessing, avgAgent,
                    messageTypes, errorStages, instances, byChannel, byDirection, timeline);
        } catch (SQLException e) {
            throw new OmniSimException("upstream analytics query failed: " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- §3.3 – §3.5

    /** §3.3 (plus {@code retrying}): counts by status and by event type over all rows. */
    public static DeadLetterStats deadLetterStats(Connection connection) {
        try {
            Map<String, Long> byStatus = groupCount(connection,
                    "SELECT status, count(*) FROM dead_letter_events GROUP BY status", List.of());
            Map<String, Long> byEventType = groupCount(connection,
                    "SELECT event_type, count(*) FROM dead_letter_events GROUP BY event_type", List.of());
            long total = byStatus.values().stream().mapToLong(Long::longValue).sum();
            return new DeadLetterStats(total, byStatus.getOrDefault("pending", 0L),
                    byStatus.getOrDefault("resolved", 0L), byStatus.getOrDefault("abandoned", 0L),
                    byStatus.getOrDefault("retrying", 0L), byEventType);
        } catch (SQLException e) {
            throw new OmniSimException("upstream dead-letter stats query failed: " + e.getMessage(), e);
        }
    }

    /** §3.4: executions, actions, success rate, average time (0 when none), failures since {@code now - 24h}. */
    public static AutomationMetrics automationMetrics(Connection connection, Instant now) {
        try {
            long total;
            long success;
            long actions;
            int avgTime;
            try (PreparedStatement s = connection.prepareStatement("""
                    SELECT count(*) AS total,
                           count(*) FILTER (WHERE status = 'success') AS success,
                           coalesce(sum(jsonb_array_length(actions_executed)), 0)::bigint AS actions,
                           avg(execution_time_ms)::int AS avg_time
                      FROM automation_logs""");
                    ResultSet rs = s.executeQuery()) {
                rs.next();
                total = rs.getLong("total");
                success = rs.getLong("success");
                actions = rs.getLong("actions");
                avgTime = optionalInt(rs, "avg_time").orElse(0);
            }
            long recentFailures;
            try (PreparedStatement s = prepare(connection,
                    "SELECT count(*) FROM automation_logs WHERE status = 'failed' AND created_at >= ?",
                    List.of(utc(millis(now).minus(Duration.ofHours(24)))));
                    ResultSet rs = s.executeQuery()) {
                rs.next();
                recentFailures = rs.getLong(1);
            }
            return new AutomationMetrics(false, total, actions, rate(success, total), avgTime, recentFailures);
        } catch (SQLException e) {
            throw new OmniSimException("upstream automation metrics query failed: " + e.getMessage(), e);
        }
    }

    /** §3.5: total instances, {@code is_active} count, total per channel. */
    public static HealthInstances healthInstances(Connection connection) {
        try (PreparedStatement s = connection.prepareStatement(
                "SELECT channel, count(*) AS total, count(*) FILTER (WHERE is_active) AS connected"
                        + " FROM instances GROUP BY channel");
                ResultSet rs = s.executeQuery()) {
            long total = 0;
            long connected = 0;
            Map<String, Long> byChannel = new LinkedHashMap<>();
            while (rs.next()) {
                byChannel.put(rs.getString("channel"), rs.getLong("total"));
                total += rs.getLong("total");
                connected += rs.getLong("connected");
            }
            return new HealthInstances(total, connected, byChannel);
        } catch (SQLException e) {
            throw new OmniSimException("upstream health instances query failed: " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- helpers

    /** {@code (part / whole) * 100} in doubles, in that order; 0 when {@code whole} is 0. */
    public static double rate(long part, long whole) {
        return whole == 0 ? 0 : ((double) part / (double) whole) * 100;
    }

    private static long countSince(Connection connection, Instant since) throws SQLException {
        try (PreparedStatement s = prepare(connection, "SELECT count(*) FROM omni_events WHERE received_at >= ?",
                List.of(utc(since)));
                ResultSet rs = s.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long scalar(Connection connection, String sql) throws SQLException {
        try (PreparedStatement s = connection.prepareStatement(sql);
                ResultSet rs = s.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Runs a two-column {@code key, count} query; NULL keys are dropped (as upstream's maps drop them). */
    private static Map<String, Long> groupCount(Connection connection, String sql, List<Object> parameters)
            throws SQLException {
        Map<String, Long> result = new LinkedHashMap<>();
        try (PreparedStatement s = prepare(connection, sql, parameters);
                ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                String key = rs.getString(1);
                if (key != null) {
                    result.put(key, rs.getLong(2));
                }
            }
        }
        return result;
    }

    private static PreparedStatement prepare(Connection connection, String sql, List<Object> parameters)
            throws SQLException {
        PreparedStatement s = connection.prepareStatement(sql);
        try {
            for (int i = 0; i < parameters.size(); i++) {
                s.setObject(i + 1, parameters.get(i));
            }
        } catch (SQLException e) {
            s.close();
            throw e;
        }
        return s;
    }

    private static Optional<Integer> optionalInt(ResultSet rs, String column) throws SQLException {
        int value = rs.getInt(column);
        return rs.wasNull() ? Optional.empty() : Optional.of(value);
    }

    private static Instant millis(Instant instant) {
        return instant.truncatedTo(ChronoUnit.MILLIS);
    }

    private static LocalDateTime utc(Instant instant) {
        return ReferencePersistence.utc(instant.toEpochMilli());
    }
}
