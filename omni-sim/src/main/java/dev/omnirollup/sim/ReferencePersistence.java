package dev.omnirollup.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Upstream's persistence rules as a reference implementation: applies events, in the given order, to Omni's tables
 * exactly as upstream's {@code event-persistence.ts} (contract §5.1), the {@code instance.*} listeners (§5.5) and an
 * {@code automation_logs} writer (DESIGN §3) would. Tests compare rollup answers with plain SQL over what this writes.
 *
 * <ul>
 *   <li>Only {@code message.received|sent|delivered|read|failed} on hierarchical subjects (at least three tokens,
 *       {@code message.<action>.<channelType>...}) are persisted; bare subjects and replays ({@code payload._replay}
 *       is JSON {@code true}, or {@code metadata.source} is {@code "replay"}) are skipped. The action is taken from
 *       the subject, as upstream's per-subject consumers do.</li>
 *   <li>{@code channel} = {@code metadata.channelType} if it is one of the five channel types, else {@code discord};
 *       {@code instance_id} = {@code metadata.instanceId} or NULL; {@code received_at} = envelope timestamp (UTC wall
 *       clock, ms); {@code content_type} = {@code payload.content.type} if storable, else NULL.</li>
 *   <li>received → inbound/received; sent → outbound/completed with {@code processed_at} = this object's clock;
 *       failed → outbound/failed with {@code error_message} = {@code payload.error}, {@code error_stage} =
 *       {@code payload.errorCode} (NULL when absent) and a possibly NULL external id; delivered →
 *       {@code UPDATE ... SET delivered_at, status = 'completed' WHERE external_id = ?}, inserting an outbound
 *       completed {@code message.delivered} row when nothing matched; read → {@code UPDATE ... SET read_at} (status
 *       unchanged), inserting an outbound completed {@code message.read} row when nothing matched.</li>
 *   <li>Upstream losses are reproduced: an event whose instance id is not a UUID or names no {@code instances} row
 *       would fail on the foreign key upstream and is dropped (counted as {@link Stats#lost()}).</li>
 *   <li>{@code automation.executed.*} → one {@code automation_logs} row ({@code created_at} = envelope timestamp;
 *       the {@code automations} row is created on the fly); malformed executions are dropped as lost.
 *       {@code automation.queue.*} writes nothing. Hierarchical {@code instance.connected} sets
 *       {@code is_active = true} (and the profile fields given); {@code instance.disconnected} sets it false only when
 *       the reason contains "logged out" (case-insensitive).</li>
 * </ul>
 *
 * <p>{@code person_id} and {@code platform_identity_id} are left NULL (plugins never set them). Each {@link #apply}
 * runs in one transaction on the given connection and batches inserts between the statements that must see them.
 * Not thread-safe; the caller owns the connection.
 */
public final class ReferencePersistence {

    private static final int BATCH = 1_000;
    private static final Set<String> STORABLE = Set.copyOf(OmniEvent.STORABLE_CONTENT_TYPES);

    private static final String INSERT_EVENT = "INSERT INTO omni_events (external_id, channel, instance_id, event_type,"
            + " direction, content_type, text_content, media_url, media_mime_type, chat_id, reply_to_external_id,"
            + " status, error_message, error_stage, received_at, processed_at, delivered_at, read_at, raw_payload,"
            + " metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb)";
    private static final String UPDATE_DELIVERED =
            "UPDATE omni_events SET delivered_at = ?, status = 'completed' WHERE external_id = ?";
    private static final String UPDATE_READ = "UPDATE omni_events SET read_at = ? WHERE external_id = ?";
    private static final String INSERT_AUTOMATION = "INSERT INTO automations (id, name, description,"
            + " trigger_event_type, actions) VALUES (?, ?, 'created by omni-sim for automation.executed events',"
            + " 'message.received', '[]'::jsonb) ON CONFLICT (id) DO NOTHING";
    private static final String INSERT_LOG = "INSERT INTO automation_logs (automation_id, event_id, status,"
            + " conditions_matched, actions_executed, error, execution_time_ms, created_at)"
            + " VALUES (?, ?, ?, ?, ?::jsonb, ?, ?, ?)";
    private static final String CONNECT_INSTANCE = "UPDATE instances SET is_active = true,"
            + " profile_name = COALESCE(?, profile_name), profile_pic_url = COALESCE(?, profile_pic_url),"
            + " owner_identifier = COALESCE(?, owner_identifier), updated_at = ? WHERE id = ?";
    private static final String DISCONNECT_INSTANCE =
            "UPDATE instances SET is_active = false, updated_at = ? WHERE id = ?";

    /**
     * What one {@link #apply} did.
     *
     * @param inserted        omni_events rows inserted
     * @param updated         omni_events rows changed by delivered/read updates
     * @param skipped         events upstream persistence never sees or ignores (bare, replay, other types, queues)
     * @param lost            events upstream would drop on an error (bad or unknown instance id, malformed execution)
     * @param automationLogs  automation_logs rows inserted
     * @param instanceUpdates instances rows changed
     */
    public record Stats(long inserted, long updated, long skipped, long lost, long automationLogs,
            long instanceUpdates) {
    }

    private final Connection connection;
    private final InstantSource clock;
    private final Set<UUID> knownAutomations = new HashSet<>();

    /** Uses the system clock for {@code processed_at} / {@code updated_at}. */
    public ReferencePersistence(Connection connection) {
        this(connection, InstantSource.system());
    }

    public ReferencePersistence(Connection connection, InstantSource clock) {
        this.connection = Objects.requireNonNull(connection, "connection");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Inserts the instances that do not exist yet ({@code is_active} false, upstream's default). */
    public void ensureInstances(List<Instance> instances) {
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO instances (id, name, channel) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")) {
            for (Instance instance : instances) {
                insert.setObject(1, instance.id());
                insert.setString(2, instance.name());
                insert.setString(3, instance.channel());
                insert.addBatch();
            }
            insert.executeBatch();
        } catch (SQLException e) {
            throw new OmniSimException("inserting " + instances.size() + " instances failed: " + e.getMessage(), e);
        }
    }

    /** Applies one event (in its own transaction). */
    public Stats apply(OmniEvent event) {
        return apply(List.of(event));
    }

    /** Applies {@code events} in order, in one transaction. */
    public Stats apply(List<OmniEvent> events) {
        boolean autoCommit;
        try {
            autoCommit = connection.getAutoCommit();
            connection.setAutoCommit(false);
        } catch (SQLException e) {
            throw new OmniSimException("starting a transaction failed: " + e.getMessage(), e);
        }
        try (Run run = new Run()) {
            for (OmniEvent event : events) {
                run.apply(event);
            }
            run.flush();
            connection.commit();
            return run.stats();
        } catch (SQLException | RuntimeException e) {
            knownAutomations.clear();
            try {
                connection.rollback();
            } catch (SQLException suppressed) {
                e.addSuppressed(suppressed);
            }
            if (e instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new OmniSimException("applying " + events.size() + " events failed: " + e.getMessage(), e);
        } finally {
            try {
                connection.setAutoCommit(autoCommit);
            } catch (SQLException e) {
                // the connection is unusable anyway; the original outcome stands
            }
        }
    }

    /** Number of dot-separated tokens of a subject. */
    static int tokens(String subject) {
        int n = 1;
        for (int i = 0; i < subject.length(); i++) {
            if (subject.charAt(i) == '.') {
                n++;
            }
        }
        return n;
    }

    /** One transaction's prepared statements and counters. */
    private final class Run implements AutoCloseable {
        private final PreparedStatement insertEvent;
        private final PreparedStatement updateDelivered;
        private final PreparedStatement updateRead;
        private final PreparedStatement insertLog;
        private final Set<UUID> instances;
        private int pendingEvents;
        private int pendingLogs;
        private long inserted;
        private long updated;
        private long skipped;
        private long lost;
        private long logs;
        private long instanceUpdates;

        Run() throws SQLException {
            insertEvent = connection.prepareStatement(INSERT_EVENT);
            updateDelivered = connection.prepareStatement(UPDATE_DELIVERED);
            updateRead = connection.prepareStatement(UPDATE_READ);
            insertLog = connection.prepareStatement(INSERT_LOG);
            instances = new HashSet<>();
            try (Statement statement = connection.createStatement();
                    ResultSet rs = statement.executeQuery("SELECT id FROM instances")) {
                while (rs.next()) {
                    instances.add(rs.getObject(1, UUID.class));
                }
            }
        }

        void apply(OmniEvent event) throws SQLException {
            String subject = event.subject();
            if (subject.startsWith("message.")) {
                message(event);
            } else if (subject.startsWith("automation.executed.")) {
                automationExecuted(event);
            } else if (subject.startsWith("instance.connected.") || subject.startsWith("instance.disconnected.")) {
                instance(event);
            } else {
                skipped++;
            }
        }

        private void message(OmniEvent event) throws SQLException {
            String[] tokens = event.subject().split("\\.", 3);
            if (tokens.length < 3 || TrafficCensus.isReplay(event)) {
                skipped++;
                return;
            }
            String type = tokens[0] + "." + tokens[1];
            if (!OmniEvent.MESSAGE_TYPES.contains(type)) {
                skipped++;
                return;
            }
            ObjectNode payload = event.payloadView();
            ObjectNode metadata = event.metadataView();
            String channel = event.metadataText("channelType").filter(OmniEvent::isChannelType).orElse("discord");
            Optional<String> instanceText = event.metadataText("instanceId");
            UUID instanceId = null;
            if (instanceText.isPresent()) {
                instanceId = parseUuid(instanceText.get()).orElse(null);
                if (instanceId == null || !instances.contains(instanceId)) {
                    lost++; // upstream: invalid uuid or foreign-key violation, caught, logged and acked
                    return;
                }
            }
            LocalDateTime receivedAt = utc(event.timestamp());
            String externalId = text(payload, "externalId");
            String chatId = text(payload, "chatId");
            switch (type) {
                case "message.received" -> {
                    JsonNode content = payload.path("content");
                    ObjectNode meta = OmniEvent.JSON.objectNode();
                    putText(meta, "correlationId", metadata.get("correlationId"));
                    putText(meta, "from", payload.get("from"));
                    JsonNode raw = payload.get("rawPayload");
                    insert(externalId, channel, instanceId, type, "inbound", contentType(content),
                            sanitize(text(content, "text")), text(content, "mediaUrl"), text(content, "mimeType"),
                            chatId, text(payload, "replyToId"), "received", null, null, receivedAt, null, null, null,
                            raw == null || raw.isNull() ? null : raw.toString(), meta.toString());
                }
                case "message.sent" -> {
                    JsonNode content = payload.path("content");
                    ObjectNode meta = OmniEvent.JSON.objectNode();
                    putText(meta, "correlationId", metadata.get("correlationId"));
                    putText(meta, "to", payload.get("to"));
                    insert(externalId, channel, instanceId, type, "outbound", contentType(content),
                            sanitize(text(content, "text")), text(content, "mediaUrl"), null, chatId,
                            text(payload, "replyToId"), "completed", null, null, receivedAt,
                            LocalDateTime.ofInstant(clock.instant(), ZoneOffset.UTC), null, null, null,
                            meta.toString());
                }
                case "message.failed" -> {
                    ObjectNode meta = OmniEvent.JSON.objectNode();
                    putText(meta, "correlationId", metadata.get("correlationId"));
                    JsonNode retryable = payload.get("retryable");
                    if (retryable != null) {
                        meta.set("retryable", retryable);
                    }
                    insert(externalId, channel, instanceId, type, "outbound", null, null, null, null, chatId, null,
                            "failed", sanitize(text(payload, "error")), text(payload, "errorCode"), receivedAt, null,
                            null, null, null, meta.toString());
                }
                case "message.delivered" -> {
                    LocalDateTime deliveredAt = utc(millis(payload, "deliveredAt").orElse(event.timestamp()));
                    flushEvents();
                    updateDelivered.setObject(1, deliveredAt);
                    updateDelivered.setString(2, externalId);
                    int n = updateDelivered.executeUpdate();
                    updated += n;
                    if (n == 0) {
                        insert(externalId, channel, instanceId, type, "outbound", null, null, null, null, chatId,
                                null, "completed", null, null, receivedAt, null, deliveredAt, null, null, null);
                    }
                }
                default -> { // message.read
                    LocalDateTime readAt = utc(millis(payload, "readAt").orElse(event.timestamp()));
                    flushEvents();
                    updateRead.setObject(1, readAt);
                    updateRead.setString(2, externalId);
                    int n = updateRead.executeUpdate();
                    updated += n;
                    if (n == 0) {
                        insert(externalId, channel, instanceId, type, "outbound", null, null, null, null, chatId,
                                null, "completed", null, null, receivedAt, null, null, readAt, null, null);
                    }
                }
            }
        }

        private void insert(String externalId, String channel, UUID instanceId, String eventType, String direction,
                String contentType, String text, String mediaUrl, String mimeType, String chatId, String replyTo,
                String status, String errorMessage, String errorStage, LocalDateTime receivedAt,
                LocalDateTime processedAt, LocalDateTime deliveredAt, LocalDateTime readAt, String rawPayload,
                String metadata) throws SQLException {
            PreparedStatement s = insertEvent;
            s.setString(1, externalId);
            s.setString(2, channel);
            s.setObject(3, instanceId, Types.OTHER);
            s.setString(4, eventType);
            s.setString(5, direction);
            s.setString(6, contentType);
            s.setString(7, text);
            s.setString(8, mediaUrl);
            s.setString(9, mimeType);
            s.setString(10, chatId);
            s.setString(11, replyTo);
            s.setString(12, status);
            s.setString(13, errorMessage);
            s.setString(14, errorStage);
            s.setObject(15, receivedAt);
            s.setObject(16, processedAt, Types.TIMESTAMP);
            s.setObject(17, deliveredAt, Types.TIMESTAMP);
            s.setObject(18, readAt, Types.TIMESTAMP);
            s.setString(19, rawPayload);
            s.setString(20, metadata);
            s.addBatch();
            inserted++;
            if (++pendingEvents >= BATCH) {
                flushEvents();
            }
        }

        private void automationExecuted(OmniEvent event) throws SQLException {
            ObjectNode p = event.payloadView();
            Optional<UUID> automationId = Optional.ofNullable(text(p, "automationId")).flatMap(
                    ReferencePersistence::parseUuid);
            String eventId = text(p, "eventId");
            String status = text(p, "status");
            JsonNode matched = p.get("conditionsMatched");
            JsonNode actions = p.get("actionsExecuted");
            JsonNode time = p.get("executionTimeMs");
            boolean valid = automationId.isPresent() && eventId != null && eventId.length() <= 36
                    && OmniEvent.AUTOMATION_STATUSES.contains(status) && matched != null && matched.isBoolean()
                    && (actions == null || actions.isNull() || actions.isArray())
                    && (time == null || time.isNull() || (time.canConvertToInt() && time.canConvertToExactIntegral()));
            if (!valid) {
                lost++;
                return;
            }
            if (knownAutomations.add(automationId.get())) {
                try (PreparedStatement insert = connection.prepareStatement(INSERT_AUTOMATION)) {
                    insert.setObject(1, automationId.get());
                    insert.setString(2, "automation " + automationId.get());
                    insert.executeUpdate();
                }
            }
            String error = null;
            if (actions != null && actions.isArray()) {
                for (JsonNode action : actions) {
                    if ("failed".equals(action.path("status").asText()) && action.get("error") != null) {
                        error = action.get("error").asText();
                        break;
                    }
                }
            }
            insertLog.setObject(1, automationId.get());
            insertLog.setString(2, eventId);
            insertLog.setString(3, status);
            insertLog.setBoolean(4, matched.booleanValue());
            insertLog.setString(5, actions == null || actions.isNull() ? null : actions.toString());
            insertLog.setString(6, error);
            if (time == null || time.isNull()) {
                insertLog.setNull(7, Types.INTEGER);
            } else {
                insertLog.setInt(7, time.intValue());
            }
            insertLog.setObject(8, utc(event.timestamp()));
            insertLog.addBatch();
            logs++;
            if (++pendingLogs >= BATCH) {
                flushLogs();
            }
        }

        private void instance(OmniEvent event) throws SQLException {
            ObjectNode p = event.payloadView();
            Optional<UUID> id = Optional.ofNullable(text(p, "instanceId"))
                    .or(() -> event.metadataText("instanceId")).flatMap(ReferencePersistence::parseUuid);
            if (id.isEmpty()) {
                lost++;
                return;
            }
            LocalDateTime now = LocalDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
            if (event.subject().startsWith("instance.connected.")) {
                try (PreparedStatement s = connection.prepareStatement(CONNECT_INSTANCE)) {
                    s.setString(1, text(p, "profileName"));
                    s.setString(2, text(p, "profilePicUrl"));
                    s.setString(3, text(p, "ownerIdentifier"));
                    s.setObject(4, now);
                    s.setObject(5, id.get());
                    instanceUpdates += s.executeUpdate();
                }
                return;
            }
            String reason = text(p, "reason");
            if (reason == null || !reason.toLowerCase(Locale.ROOT).contains("logged out")) {
                skipped++;
                return;
            }
            try (PreparedStatement s = connection.prepareStatement(DISCONNECT_INSTANCE)) {
                s.setObject(1, now);
                s.setObject(2, id.get());
                instanceUpdates += s.executeUpdate();
            }
        }

        void flush() throws SQLException {
            flushEvents();
            flushLogs();
        }

        private void flushEvents() throws SQLException {
            if (pendingEvents > 0) {
                insertEvent.executeBatch();
                pendingEvents = 0;
            }
        }

        private void flushLogs() throws SQLException {
            if (pendingLogs > 0) {
                insertLog.executeBatch();
                pendingLogs = 0;
            }
        }

        Stats stats() {
            return new Stats(inserted, updated, skipped, lost, logs, instanceUpdates);
        }

        @Override
        public void close() throws SQLException {
            insertEvent.close();
            updateDelivered.close();
            updateRead.close();
            insertLog.close();
        }
    }

    private static String contentType(JsonNode content) {
        String type = text(content, "type");
        return type != null && STORABLE.contains(type) ? type : null;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value == null || value.isNull() || value.isContainerNode() ? null : value.asText();
    }

    private static void putText(ObjectNode target, String field, JsonNode value) {
        if (value != null && !value.isNull()) {
            target.set(field, value);
        }
    }

    private static Optional<Long> millis(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isNumber() && value.canConvertToLong() ? Optional.of(value.asLong())
                : Optional.empty();
    }

    /** PostgreSQL text cannot hold NUL; upstream sanitizes text before storing it. */
    private static String sanitize(String text) {
        return text == null || text.indexOf('\u0000') < 0 ? text : text.replace("\u0000", "");
    }

    static LocalDateTime utc(long epochMillis) {
        return LocalDateTime.ofInstant(Instant.ofEpochMilli(epochMillis), ZoneOffset.UTC);
    }

    static Optional<UUID> parseUuid(String text) {
        if (text.length() != 36) {
            return Optional.empty();
        }
        try {
            return Optional.of(UUID.fromString(text));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
