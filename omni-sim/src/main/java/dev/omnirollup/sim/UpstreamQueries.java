package dev.omnirollup.sim;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.core.statement.Query;

/**
 * Upstream's dashboard SQL (docs/compatibility.md) over Omni's tables, as plain statements of the same shape (aggregates over
 * {@code omni_events} on every call, no extra indexes), returning plain Java values with upstream's rules: averages
 * {@code avg(x)::int} (numeric to int, halves away from zero) and p95 {@code percentile_cont(0.95)::int} (float to
 * int, halves to even), both cast in SQL; rates {@code (a / b) * 100} in doubles, in that order, 0 when b = 0;
 * windows {@code received_at >= since} [and {@code <= until}] with {@code now} passed in (millisecond precision),
 * never the database clock.
 *
 * <p>Every statement is constant text with named parameters, and PostgreSQL receives exactly upstream's statements.
 * Upstream adds one condition to the analytics WHERE clause for each filter the route was given, so that clause is
 * the Jdbi define {@code <where>}: one of the six constant texts of {@link Where}, chosen by which filters are
 * present, never built from a value. (Switching filters off by binding NULL would keep the text fixed too, but it
 * changes PostgreSQL's plans: it made the windowed analytics of a 150 000-row table twice as slow, and these
 * statements are the baseline the benchmarks compare with.)
 *
 * <p>Nullable integers are {@code Optional<Integer>} (empty = JSON null). Maps are unordered (upstream's key order is
 * whatever PostgreSQL returns). Stateless and thread-safe; each call uses the given handle as is (no transaction,
 * like upstream).
 */
public final class UpstreamQueries {

    private static final String METRICS_TOTALS = """
            SELECT count(*) AS total,
                   count(*) FILTER (WHERE status = 'completed') AS completed,
                   count(*) FILTER (WHERE status = 'failed') AS failed,
                   count(*) FILTER (WHERE status = 'pending') AS pending,
                   avg(processing_time_ms)::int AS avg_processing,
                   avg(agent_latency_ms)::int AS avg_agent,
                   (percentile_cont(0.95) WITHIN GROUP (ORDER BY processing_time_ms))::int AS p95
              FROM omni_events""";
    private static final String COUNT_SINCE = "SELECT count(*) FROM omni_events WHERE received_at >= :since";
    private static final String ERRORS_BY_STAGE =
            "SELECT error_stage, count(*) FROM omni_events WHERE error_stage IS NOT NULL GROUP BY error_stage";
    private static final String PAYLOADS_STORED = "SELECT count(*) FROM event_payloads WHERE deleted_at IS NULL";
    private static final String STORAGE_SIZE =
            "SELECT coalesce(sum(payload_size_compressed), 0)::bigint FROM event_payloads WHERE deleted_at IS NULL";

    private static final String ANALYTICS_TOTALS = """
            SELECT count(*) AS total,
                   count(*) FILTER (WHERE status = 'completed') AS successful,
                   count(*) FILTER (WHERE status = 'failed') AS failed,
                   avg(processing_time_ms)::int AS avg_processing,
                   avg(agent_latency_ms)::int AS avg_agent
              FROM omni_events<where>""";
    private static final String BY_CONTENT_TYPE =
            "SELECT content_type, count(*) FROM omni_events<where> GROUP BY content_type";
    private static final String BY_ERROR_STAGE =
            "SELECT error_stage, count(*) FROM omni_events<where_and> error_stage IS NOT NULL GROUP BY error_stage";
    private static final String BY_INSTANCE =
            "SELECT instance_id::text, count(*) FROM omni_events<where> GROUP BY instance_id";
    private static final String BY_CHANNEL = "SELECT channel, count(*) FROM omni_events<where> GROUP BY channel";
    private static final String BY_DIRECTION = "SELECT direction, count(*) FROM omni_events<where> GROUP BY direction";
    private static final String HOURLY = "SELECT to_char(date_trunc('hour', received_at), 'YYYY-MM-DD HH24:MI:SS'),"
            + " count(*) FROM omni_events<where>"
            + " GROUP BY date_trunc('hour', received_at) ORDER BY date_trunc('hour', received_at)";
    private static final String DAILY = "SELECT to_char(date_trunc('day', received_at), 'YYYY-MM-DD HH24:MI:SS'),"
            + " count(*) FROM omni_events<where>"
            + " GROUP BY date_trunc('day', received_at) ORDER BY date_trunc('day', received_at)";

    private static final String DEAD_LETTERS_BY_STATUS =
            "SELECT status, count(*) FROM dead_letter_events GROUP BY status";
    private static final String DEAD_LETTERS_BY_EVENT_TYPE =
            "SELECT event_type, count(*) FROM dead_letter_events GROUP BY event_type";
    private static final String AUTOMATION_TOTALS = """
            SELECT count(*) AS total,
                   count(*) FILTER (WHERE status = 'success') AS success,
                   coalesce(sum(jsonb_array_length(actions_executed)), 0)::bigint AS actions,
                   avg(execution_time_ms)::int AS avg_time
              FROM automation_logs""";
    private static final String RECENT_FAILURES =
            "SELECT count(*) FROM automation_logs WHERE status = 'failed' AND created_at >= :since";
    private static final String INSTANCES_BY_CHANNEL = "SELECT channel, count(*) AS total,"
            + " count(*) FILTER (WHERE is_active) AS connected FROM instances GROUP BY channel";

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

    private record EventTotals(long total, long completed, long failed, long pending,
            Optional<Integer> avgProcessing, Optional<Integer> avgAgent, Optional<Integer> p95) {
    }

    /** §3.1: all-time volume, three windows from {@code now}, errors by stage, dead letters and payloads. */
    public static Metrics metrics(Handle handle, Instant now) {
        Instant at = millis(now);
        try {
            EventTotals totals = handle.createQuery(METRICS_TOTALS).map((rs, ctx) -> new EventTotals(
                    rs.getLong("total"), rs.getLong("completed"), rs.getLong("failed"), rs.getLong("pending"),
                    optionalInt(rs, "avg_processing"), optionalInt(rs, "avg_agent"), optionalInt(rs, "p95"))).one();
            long last24h = countSince(handle, at.minus(Duration.ofHours(24)));
            long last7d = countSince(handle, at.minus(Duration.ofDays(7)));
            long lastHour = countSince(handle, at.minus(Duration.ofHours(1)));
            Map<String, Long> errorsByStage = groupCount(handle.createQuery(ERRORS_BY_STAGE));
            DeadLetterStats deadLetters = deadLetterStats(handle);
            long payloadsStored = handle.createQuery(PAYLOADS_STORED).mapTo(Long.class).one();
            long storageSize = handle.createQuery(STORAGE_SIZE).mapTo(Long.class).one();
            return new Metrics(totals.total(), last24h, last7d, lastHour, last24h / 24.0, lastHour / 60.0,
                    totals.completed(), totals.failed(), totals.pending(), totals.avgProcessing(), totals.avgAgent(),
                    totals.p95(), rate(totals.failed(), totals.total()), errorsByStage, deadLetters.pending(),
                    deadLetters.resolved(), payloadsStored, storageSize);
        } catch (JdbiException e) {
            throw new OmniSimException("upstream metrics query failed: " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- §3.2

    private record AnalyticsTotals(long total, long successful, long failed, Optional<Integer> avgProcessing,
            Optional<Integer> avgAgent) {
    }

    /**
     * The analytics WHERE clause for each combination of filters upstream can be given, as upstream writes it: the
     * text for {@code <where>}, and for {@code <where_and>} the same ready for one more condition.
     */
    private enum Where {
        NONE("", " WHERE"),
        INSTANCE(" WHERE instance_id = :instance", " WHERE instance_id = :instance AND"),
        SINCE(" WHERE received_at >= :since", " WHERE received_at >= :since AND"),
        SINCE_INSTANCE(" WHERE received_at >= :since AND instance_id = :instance",
                " WHERE received_at >= :since AND instance_id = :instance AND"),
        SINCE_UNTIL(" WHERE received_at >= :since AND received_at <= :until",
                " WHERE received_at >= :since AND received_at <= :until AND"),
        SINCE_UNTIL_INSTANCE(" WHERE received_at >= :since AND received_at <= :until AND instance_id = :instance",
                " WHERE received_at >= :since AND received_at <= :until AND instance_id = :instance AND");

        private final String where;
        private final String whereAnd;

        Where(String where, String whereAnd) {
            this.where = where;
            this.whereAnd = whereAnd;
        }

        static Where of(boolean since, boolean until, boolean instance) {
            if (!since) {
                return instance ? INSTANCE : NONE;
            }
            if (!until) {
                return instance ? SINCE_INSTANCE : SINCE;
            }
            return instance ? SINCE_UNTIL_INSTANCE : SINCE_UNTIL;
        }
    }

    /** The route's filters: the WHERE clause and the values it binds (null where there is no such filter). */
    private record Filter(Where where, LocalDateTime since, LocalDateTime until, UUID instance) {
        Filter(LocalDateTime since, LocalDateTime until, UUID instance) {
            this(Where.of(since != null, until != null, instance != null), since, until, instance);
        }

        Query bind(Query query) {
            query.define("where", where.where).define("where_and", where.whereAnd);
            if (since != null) {
                query.bind("since", since);
            }
            if (until != null) {
                query.bind("until", until);
            }
            if (instance != null) {
                query.bind("instance", instance);
            }
            return query;
        }
    }

    /**
     * §3.2 with the route's effective window: {@code allTime} drops both bounds; otherwise {@code since} defaults to
     * {@code now - 24h} and {@code until} is optional (both inclusive). {@code granularity} is {@code hourly} or
     * {@code daily} and enables the timeline.
     */
    public static Analytics analytics(Handle handle, Instant now, Optional<Instant> since,
            Optional<Instant> until, Optional<UUID> instanceId, Optional<String> granularity, boolean allTime) {
        Objects.requireNonNull(now, "now");
        Optional<Boolean> hourly = granularity.map(g -> switch (g) {
            case "hourly" -> true;
            case "daily" -> false;
            default -> throw new IllegalArgumentException("granularity must be hourly or daily, got " + g);
        });
        Instant from = since.map(UpstreamQueries::millis).orElse(millis(now).minus(Duration.ofHours(24)));
        Filter filter = allTime ? new Filter(null, null, instanceId.orElse(null))
                : new Filter(utc(from), until.map(u -> utc(millis(u))).orElse(null), instanceId.orElse(null));
        try {
            AnalyticsTotals totals = filter.bind(handle.createQuery(ANALYTICS_TOTALS)).map((rs, ctx) ->
                    new AnalyticsTotals(rs.getLong("total"), rs.getLong("successful"), rs.getLong("failed"),
                            optionalInt(rs, "avg_processing"), optionalInt(rs, "avg_agent"))).one();
            Map<String, Long> messageTypes = groupCount(filter.bind(handle.createQuery(BY_CONTENT_TYPE)));
            Map<String, Long> errorStages = groupCount(filter.bind(handle.createQuery(BY_ERROR_STAGE)));
            Map<String, Long> instances = groupCount(filter.bind(handle.createQuery(BY_INSTANCE)));
            Map<String, Long> byChannel = groupCount(filter.bind(handle.createQuery(BY_CHANNEL)));
            Map<String, Long> directions = groupCount(filter.bind(handle.createQuery(BY_DIRECTION)));
            ByDirection byDirection = new ByDirection(directions.getOrDefault("inbound", 0L),
                    directions.getOrDefault("outbound", 0L));
            Optional<List<TimelineBucket>> timeline = hourly.map(h -> filter
                    .bind(handle.createQuery(h ? HOURLY : DAILY))
                    .map((rs, ctx) -> new TimelineBucket(rs.getString(1), rs.getLong(2))).list());
            return new Analytics(totals.total(), totals.successful(), totals.failed(),
                    rate(totals.successful(), totals.total()), totals.avgProcessing(), totals.avgAgent(), messageTypes,
                    errorStages, instances, byChannel, byDirection, timeline);
        } catch (JdbiException e) {
            throw new OmniSimException("upstream analytics query failed: " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- §3.3 – §3.5

    /** §3.3 (plus {@code retrying}): counts by status and by event type over all rows. */
    public static DeadLetterStats deadLetterStats(Handle handle) {
        try {
            Map<String, Long> byStatus = groupCount(handle.createQuery(DEAD_LETTERS_BY_STATUS));
            Map<String, Long> byEventType = groupCount(handle.createQuery(DEAD_LETTERS_BY_EVENT_TYPE));
            long total = byStatus.values().stream().mapToLong(Long::longValue).sum();
            return new DeadLetterStats(total, byStatus.getOrDefault("pending", 0L),
                    byStatus.getOrDefault("resolved", 0L), byStatus.getOrDefault("abandoned", 0L),
                    byStatus.getOrDefault("retrying", 0L), byEventType);
        } catch (JdbiException e) {
            throw new OmniSimException("upstream dead-letter stats query failed: " + e.getMessage(), e);
        }
    }

    private record AutomationTotals(long total, long success, long actions, int avgTime) {
    }

    /** §3.4: executions, actions, success rate, average time (0 when none), failures since {@code now - 24h}. */
    public static AutomationMetrics automationMetrics(Handle handle, Instant now) {
        try {
            AutomationTotals totals = handle.createQuery(AUTOMATION_TOTALS).map((rs, ctx) -> new AutomationTotals(
                    rs.getLong("total"), rs.getLong("success"), rs.getLong("actions"),
                    optionalInt(rs, "avg_time").orElse(0))).one();
            long recentFailures = handle.createQuery(RECENT_FAILURES)
                    .bind("since", utc(millis(now).minus(Duration.ofHours(24)))).mapTo(Long.class).one();
            return new AutomationMetrics(false, totals.total(), totals.actions(),
                    rate(totals.success(), totals.total()), totals.avgTime(), recentFailures);
        } catch (JdbiException e) {
            throw new OmniSimException("upstream automation metrics query failed: " + e.getMessage(), e);
        }
    }

    /** §3.5: total instances, {@code is_active} count, total per channel. */
    public static HealthInstances healthInstances(Handle handle) {
        try {
            Map<String, Long> byChannel = new LinkedHashMap<>();
            long[] connected = new long[1];
            handle.createQuery(INSTANCES_BY_CHANNEL).map((rs, ctx) -> {
                byChannel.put(rs.getString("channel"), rs.getLong("total"));
                connected[0] += rs.getLong("connected");
                return true;
            }).forEach(row -> { });
            long total = byChannel.values().stream().mapToLong(Long::longValue).sum();
            return new HealthInstances(total, connected[0], byChannel);
        } catch (JdbiException e) {
            throw new OmniSimException("upstream health instances query failed: " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- helpers

    /** {@code (part / whole) * 100} in doubles, in that order; 0 when {@code whole} is 0. */
    public static double rate(long part, long whole) {
        return whole == 0 ? 0 : ((double) part / (double) whole) * 100;
    }

    private static long countSince(Handle handle, Instant since) {
        return handle.createQuery(COUNT_SINCE).bind("since", utc(since)).mapTo(Long.class).one();
    }

    /** Runs a two-column {@code key, count} query; NULL keys are dropped (as upstream's maps drop them). */
    private static Map<String, Long> groupCount(Query query) {
        Map<String, Long> result = new LinkedHashMap<>();
        query.map((rs, ctx) -> {
            String key = rs.getString(1);
            if (key != null) {
                result.put(key, rs.getLong(2));
            }
            return true;
        }).forEach(row -> { });
        return result;
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
