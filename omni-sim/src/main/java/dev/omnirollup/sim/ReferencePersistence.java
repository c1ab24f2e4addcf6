package dev.omnirollup.sim;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Upstream's persistence rules as a reference implementation: applies events, in the given order, to Omni's tables
 * exactly as upstream's {@code event-persistence.ts}, the {@code instance.*} listeners and an {@code automation_logs}
 * writer would (docs/input-rules.md has the message rules). Tests compare rollup answers with plain SQL over what this
 * writes.
 *
 * <ul>
 *   <li>Message events are taken as Omni's bus and handlers take them: from the published envelope (decoded and
 *       {@code JSON.parse}d), routed by the subject (hierarchical {@code message.<action>.<channel>...} subjects of
 *       the five persisted actions; bare subjects and other actions are skipped, and so are replays:
 *       {@code payload._replay} JSON {@code true} or {@code metadata.source} {@code "replay"}). What the bus
 *       terminates or dead-letters (no object, falsy id or type, no payload, a type outside core/custom/system, no
 *       object metadata) is lost; so is whatever Omni's handler throws on.</li>
 *   <li>Each handler's JavaScript is modelled by {@link OmniJs} (property access, ToString, {@code new Date},
 *       {@code sanitizeText}, {@code deepSanitize}, {@code JSON.stringify}) and its database driver by
 *       {@link #bind}: values are sent as postgres.js sends them (text of unknown type, booleans as booleans, NULL),
 *       so that PostgreSQL itself decides what Omni's insert would fail on (varchar widths, NUL, uuid syntax, foreign
 *       keys, timestamps, jsonb). A failed statement loses that event only: statements run under savepoints when
 *       they may fail, and a failed insert batch is replayed row by row.</li>
 *   <li>received → inbound/received; sent → outbound/completed with {@code processed_at} = this object's clock;
 *       failed → outbound/failed; delivered → {@code UPDATE ... SET delivered_at, status = 'completed' WHERE
 *       external_id = ?}, inserting an outbound completed {@code message.delivered} row when nothing matched; read
 *       → {@code UPDATE ... SET read_at} (status unchanged), inserting an outbound completed {@code message.read}
 *       row when nothing matched. A receipt whose externalId is null matches nothing and inserts.</li>
 *   <li>{@code automation.executed.*} → one {@code automation_logs} row ({@code created_at} = envelope timestamp;
 *       the {@code automations} row is created on the fly); malformed executions are dropped as lost.
 *       {@code automation.queue.*} writes nothing. Hierarchical {@code instance.connected} sets
 *       {@code is_active = true} (and the profile fields given); {@code instance.disconnected} sets it false only when
 *       the reason contains "logged out" (case-insensitive).</li>
 * </ul>
 *
 * <p>Each {@link #apply} runs in one transaction on the given connection and batches inserts between the statements
 * that must see them. Not thread-safe; the caller owns the connection.
 */
public final class ReferencePersistence {

    private static final int BATCH = 1_000;
    private static final Set<String> STORABLE = Set.copyOf(OmniEvent.STORABLE_CONTENT_TYPES);
    private static final Set<String> CHANNELS = Set.copyOf(OmniEvent.CHANNEL_TYPES);
    private static final Set<String> PERSISTED = Set.of("received", "sent", "delivered", "read", "failed");
    /** Omni's core event types; with {@code custom.*} and {@code system.*} what its event registry lets through. */
    private static final Set<String> CORE_TYPES = Set.of("message.received", "message.sent", "message.delivered",
            "message.read", "message.failed", "media.received", "media.processed", "identity.created",
            "identity.linked", "identity.merged", "identity.unlinked", "instance.connected", "instance.disconnected",
            "instance.qr_code", "access.allowed", "access.denied", "presence.typing", "presence.online",
            "presence.offline", "sync.started", "sync.progress", "sync.completed", "sync.failed", "profile.synced",
            "reaction.received", "reaction.removed", "batch-job.created", "batch-job.started", "batch-job.progress",
            "batch-job.completed", "batch-job.cancelled", "batch-job.failed");
    /** JSON.parse has no nesting or length limits worth modelling. */
    private static final ObjectMapper PARSER = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(Integer.MAX_VALUE)
                    .maxNumberLength(Integer.MAX_VALUE).maxStringLength(Integer.MAX_VALUE).build())
            .build()).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private static final String INSERT_EVENT = "INSERT INTO omni_events (external_id, channel, instance_id, event_type,"
            + " direction, content_type, text_content, media_url, media_mime_type, chat_id, reply_to_external_id,"
            + " status, error_message, error_stage, received_at, processed_at, delivered_at, read_at, raw_payload,"
            + " metadata, person_id, platform_identity_id) VALUES (?, ?, ?::uuid, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
            + " ?::timestamp, ?::timestamp, ?::timestamp, ?::timestamp, ?::jsonb, ?::jsonb, ?::uuid, ?::uuid)";
    private static final String UPDATE_DELIVERED =
            "UPDATE omni_events SET delivered_at = ?::timestamp, status = 'completed' WHERE external_id = ?";
    private static final String UPDATE_READ = "UPDATE omni_events SET read_at = ?::timestamp WHERE external_id = ?";
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
     * @param lost            events upstream would drop on an error (terminated or dead-lettered by its bus, or
     *                        thrown on by its handler: see docs/input-rules.md; malformed executions)
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

    /**
     * One message as published on NATS: a subject (without prefix) and the raw body.
     *
     * @param subject NATS subject without prefix
     * @param body    the body bytes, valid JSON or not
     */
    public record Published(String subject, byte[] body) {
        public Published {
            Objects.requireNonNull(subject, "subject");
            body = body.clone();
        }

        @Override
        public byte[] body() {
            return body.clone();
        }
    }

    /** Applies one event (in its own transaction). */
    public Stats apply(OmniEvent event) {
        return apply(List.of(event));
    }

    /**
     * Applies raw published messages in order, in one transaction: message events as Omni's bus would read the body
     * (malformed ones are lost), automation and instance events only when they parse as {@link OmniEvent}s.
     */
    public Stats applyPublished(List<Published> messages) {
        return inTransaction(messages.size(), run -> {
            for (Published message : messages) {
                run.applyPublished(message);
            }
        });
    }

    /** Applies {@code events} in order, in one transaction. */
    public Stats apply(List<OmniEvent> events) {
        return inTransaction(events.size(), run -> {
            for (OmniEvent event : events) {
                run.apply(event);
            }
        });
    }

    private interface Work {
        void accept(Run run) throws SQLException;
    }

    private Stats inTransaction(int size, Work work) {
        boolean autoCommit;
        try {
            autoCommit = connection.getAutoCommit();
            connection.setAutoCommit(false);
        } catch (SQLException e) {
            throw new OmniSimException("starting a transaction failed: " + e.getMessage(), e);
        }
        try (Run run = new Run()) {
            work.accept(run);
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
            throw new OmniSimException("applying " + size + " events failed: " + e.getMessage(), e);
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
        private final List<Object[]> pendingEvents = new ArrayList<>();
        /** The external ids of the queued rows: a receipt for one of them must see the rows first. */
        private final Set<Object> pendingKeys = new HashSet<>();
        /** Whether a queued row might be refused (if not, the batch needs no savepoint). */
        private boolean pendingMayFail;
        /** The instances that exist, to tell rows that certainly pass the foreign key. */
        private final Set<String> instances = new HashSet<>();
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
            try (Statement statement = connection.createStatement();
                    ResultSet rs = statement.executeQuery("SELECT id::text FROM instances")) {
                while (rs.next()) {
                    instances.add(rs.getString(1));
                }
            }
        }

        void applyPublished(Published message) throws SQLException {
            if (message.subject().startsWith("message.")) {
                JsonNode root;
                try {
                    String text = new String(message.body, StandardCharsets.UTF_8); // TextDecoder, near enough
                    root = PARSER.readTree(text.startsWith("\uFEFF") ? text.substring(1) : text);
                } catch (IOException | RuntimeException notJson) {
                    root = null; // JSON.parse throws: the bus terminates the message
                }
                message(message.subject(), root == null || root.isMissingNode() ? MissingNode.getInstance() : root);
                return;
            }
            OmniEvent event;
            try {
                event = OmniEvent.parse(message.subject(), message.body);
            } catch (IllegalArgumentException malformed) {
                lost++;
                return;
            }
            apply(event);
        }

        void apply(OmniEvent event) throws SQLException {
            String subject = event.subject();
            if (subject.startsWith("message.")) {
                message(subject, event.envelopeView());
            } else if (subject.startsWith("automation.executed.")) {
                automationExecuted(event);
            } else if (subject.startsWith("instance.connected.") || subject.startsWith("instance.disconnected.")) {
                instance(event);
            } else {
                skipped++;
            }
        }

        /**
         * One message event as Omni's bus and the handler of its subject take it; {@code root} is the parsed body
         * (a {@link MissingNode} when it is not JSON).
         */
        private void message(String subject, JsonNode root) throws SQLException {
            String[] tokens = subject.split("\\.", 4);
            if (tokens.length < 3 || !PERSISTED.contains(tokens[1])) {
                skipped++; // bare subject, or no persistence consumer for it
                return;
            }
            try {
                if (root.isMissingNode()) {
                    throw new OmniJs.TypeError("Unexpected token in JSON");
                }
                // parseMessage, the event registry, then event.metadata.streamSequence = ...
                JsonNode id = OmniJs.get(root, "id");
                JsonNode type = OmniJs.get(root, "type");
                JsonNode payload = OmniJs.get(root, "payload");
                if (!OmniJs.truthy(id) || !OmniJs.truthy(type) || payload == null) {
                    throw new OmniJs.TypeError("Invalid event structure: missing required fields");
                }
                if (!type.isTextual()) {
                    throw new OmniJs.TypeError("type.startsWith is not a function");
                }
                String typeText = type.asText();
                if (!CORE_TYPES.contains(typeText) && !typeText.startsWith("custom.")
                        && !typeText.startsWith("system.")) {
                    throw new OmniJs.TypeError("Validation failed: Unknown event type: " + typeText);
                }
                JsonNode metadata = OmniJs.get(root, "metadata");
                if (metadata == null || !metadata.isContainerNode()) {
                    throw new OmniJs.TypeError("Cannot set properties of " + metadata + " (setting 'streamSequence')");
                }
                if (replay(payload, metadata)) {
                    skipped++;
                    return;
                }
                switch (tokens[1]) {
                    case "received", "sent" -> inserted(tokens[1].equals("received"), root, payload, metadata);
                    case "failed" -> failed(root, payload, metadata);
                    default -> receipt(tokens[1].equals("delivered"), root, payload, metadata);
                }
            } catch (OmniJs.TypeError thrown) {
                lost++; // logged and acknowledged (or terminated, or dead-lettered) by Omni
            }
        }

        /** message.received / message.sent. */
        private void inserted(boolean received, JsonNode root, JsonNode payload, JsonNode metadata) {
            JsonNode content = OmniJs.get(payload, "content");
            Object[] row = row();
            row[0] = bind(OmniJs.get(payload, "externalId"));
            row[1] = channel(metadata);
            row[2] = bind(OmniJs.get(metadata, "instanceId"));
            row[20] = bind(OmniJs.get(metadata, "personId"));
            row[21] = bind(OmniJs.get(metadata, "platformIdentityId"));
            row[3] = received ? "message.received" : "message.sent";
            row[4] = received ? "inbound" : "outbound";
            JsonNode contentType = OmniJs.get(content, "type");
            row[5] = contentType != null && contentType.isTextual() && STORABLE.contains(contentType.asText())
                    ? contentType.asText() : null;
            row[6] = OmniJs.sanitizeText(OmniJs.get(content, "text"));
            row[7] = bind(OmniJs.get(content, "mediaUrl"));
            row[8] = received ? bind(OmniJs.get(content, "mimeType")) : null;
            row[9] = bind(OmniJs.get(payload, "chatId"));
            row[10] = bind(OmniJs.get(payload, "replyToId"));
            row[11] = received ? "received" : "completed";
            row[14] = OmniJs.isoString(OmniJs.get(root, "timestamp"));
            if (!received) {
                row[15] = OmniJs.isoString(OmniEvent.JSON.numberNode(clock.millis()));
            }
            JsonNode raw = received ? OmniJs.get(payload, "rawPayload") : null;
            row[18] = OmniJs.truthy(raw) ? OmniJs.stringify(OmniJs.deepSanitize(raw)) : null;
            ObjectNode meta = OmniEvent.JSON.objectNode();
            putDefined(meta, "correlationId", OmniJs.get(metadata, "correlationId"));
            putDefined(meta, received ? "from" : "to", OmniJs.get(payload, received ? "from" : "to"));
            row[19] = OmniJs.stringify(meta);
            queue(row);
        }

        /** message.failed. */
        private void failed(JsonNode root, JsonNode payload, JsonNode metadata) {
            Object[] row = row();
            row[0] = bind(OmniJs.get(payload, "externalId"));
            row[1] = channel(metadata);
            row[2] = bind(OmniJs.get(metadata, "instanceId"));
            row[20] = bind(OmniJs.get(metadata, "personId"));
            row[3] = "message.failed";
            row[4] = "outbound";
            row[9] = bind(OmniJs.get(payload, "chatId"));
            row[11] = "failed";
            row[12] = bind(OmniJs.get(payload, "error"));
            row[13] = bind(OmniJs.get(payload, "errorCode"));
            row[14] = OmniJs.isoString(OmniJs.get(root, "timestamp"));
            ObjectNode meta = OmniEvent.JSON.objectNode();
            putDefined(meta, "correlationId", OmniJs.get(metadata, "correlationId"));
            putDefined(meta, "retryable", OmniJs.get(payload, "retryable"));
            row[19] = OmniJs.stringify(meta);
            queue(row);
        }

        /** message.delivered / message.read: UPDATE by external id, INSERT when nothing matched. */
        private void receipt(boolean delivered, JsonNode root, JsonNode payload, JsonNode metadata)
                throws SQLException {
            JsonNode externalId = OmniJs.get(payload, "externalId");
            String at = OmniJs.isoString(OmniJs.get(payload, delivered ? "deliveredAt" : "readAt"));
            if (externalId == null) {
                throw new OmniJs.TypeError("UNDEFINED_VALUE: Undefined values are not allowed");
            }
            Object key = bind(externalId);
            if (pendingKeys.contains(key)) {
                flushEvents();
            }
            PreparedStatement update = delivered ? updateDelivered : updateRead;
            bindValue(update, 1, at);
            bindValue(update, 2, key);
            boolean mayFail = key instanceof Boolean || key instanceof String text && text.indexOf(0) >= 0
                    || at.length() != 24 || at.startsWith("0000");
            int n;
            if (mayFail) {
                Savepoint savepoint = connection.setSavepoint();
                try {
                    n = update.executeUpdate();
                    connection.releaseSavepoint(savepoint);
                } catch (SQLException refused) {
                    connection.rollback(savepoint);
                    lost++;
                    return;
                }
            } else {
                n = update.executeUpdate();
            }
            updated += n;
            if (n > 0) {
                return;
            }
            Object[] row = row();
            row[0] = key;
            row[1] = channel(metadata);
            row[2] = bind(OmniJs.get(metadata, "instanceId"));
            row[3] = delivered ? "message.delivered" : "message.read";
            row[4] = "outbound";
            row[9] = bind(OmniJs.get(payload, "chatId"));
            row[11] = "completed";
            row[14] = OmniJs.isoString(OmniJs.get(root, "timestamp"));
            row[delivered ? 16 : 17] = at;
            queue(row);
        }

        private boolean replay(JsonNode payload, JsonNode metadata) {
            JsonNode flag = payload.get("_replay");
            JsonNode source = metadata.get("source");
            return flag != null && flag.isBoolean() && flag.booleanValue()
                    || source != null && source.isTextual() && source.asText().equals("replay");
        }

        private Object[] row() {
            return new Object[22];
        }

        private void queue(Object[] row) {
            pendingMayFail |= mayFail(row);
            pendingEvents.add(row);
            if (row[0] != null) {
                pendingKeys.add(row[0]);
            }
            if (pendingEvents.size() >= BATCH) {
                try {
                    flushEvents();
                } catch (SQLException e) {
                    throw new OmniSimException("inserting omni_events rows failed: " + e.getMessage(), e);
                }
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

        /**
         * Inserts the queued rows in one batch; when PostgreSQL refuses one of them, the batch is undone and the rows
         * are inserted one by one, each refused row being an event Omni lost.
         */
        private void flushEvents() throws SQLException {
            if (pendingEvents.isEmpty()) {
                return;
            }
            Savepoint before = pendingMayFail ? connection.setSavepoint() : null;
            try {
                for (Object[] row : pendingEvents) {
                    bindRow(row);
                    insertEvent.addBatch();
                }
                insertEvent.executeBatch();
                if (before != null) {
                    connection.releaseSavepoint(before);
                }
                inserted += pendingEvents.size();
            } catch (SQLException refused) {
                if (before == null) {
                    throw refused; // mayFail() let through a row PostgreSQL refused: the model is wrong
                }
                insertEvent.clearBatch();
                connection.rollback(before);
                for (Object[] row : pendingEvents) {
                    Savepoint one = connection.setSavepoint();
                    try {
                        bindRow(row);
                        insertEvent.executeUpdate();
                        connection.releaseSavepoint(one);
                        inserted++;
                    } catch (SQLException lostRow) {
                        connection.rollback(one);
                        lost++;
                    }
                }
            }
            pendingEvents.clear();
            pendingKeys.clear();
            pendingMayFail = false;
        }

        /**
         * False only for rows PostgreSQL certainly accepts (the usual ones): short text without NUL, a known
         * instance, no person or identity, ordinary timestamps, jsonb without escapes it refuses. Anything else is
         * inserted under a savepoint, so that PostgreSQL decides.
         */
        private boolean mayFail(Object[] row) {
            int[] widths = {255, 50, -1, 50, 10, 20, 0, 0, 100, 255, 255, 20, 0, 50, -2, -2, -2, -2, -3, -3, -1, -1};
            for (int i = 0; i < row.length; i++) {
                Object value = row[i];
                if (value == null) {
                    continue;
                }
                if (!(value instanceof String text) || text.indexOf(0) >= 0) {
                    return true;
                }
                int width = widths[i];
                boolean fine = switch (width) {
                    case -1 -> i == 2 && instances.contains(text); // uuid: only a known instance id as printed
                    case -2 -> text.length() == 24 && !text.startsWith("0000") && text.charAt(0) != '-';
                    case -3 -> !text.contains("\\u0000") && !text.contains("\\ud") && !text.contains("\\uD");
                    case 0 -> true;
                    default -> text.length() <= width;
                };
                if (!fine) {
                    return true;
                }
            }
            return false;
        }

        private void bindRow(Object[] row) throws SQLException {
            for (int i = 0; i < row.length; i++) {
                bindValue(insertEvent, i + 1, row[i]);
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

    /**
     * How postgres.js sends a JSON value Omni binds (drizzle passes it through): null for undefined and null (an
     * insert writes NULL either way), a Boolean for a boolean or an array whose first element is one (the driver
     * declares the parameter boolean and sends {@code t} for {@code true} alone), else JavaScript's string of it as
     * the driver encodes it.
     */
    static Object bind(JsonNode value) {
        if (value == null || value.isNull()) {
            return null;
        }
        JsonNode first = value;
        while (first.isArray() && !first.isEmpty()) {
            first = first.get(0);
        }
        if (first.isBoolean()) {
            return value.isBoolean() && value.asBoolean();
        }
        return OmniJs.wireText(OmniJs.string(value));
    }

    /**
     * Binds what {@link #bind} made: text, a boolean, or NULL. The statements cast uuid, timestamp and jsonb
     * parameters, which runs the same input functions as Omni's untyped parameters do (and fails for a boolean).
     */
    private static void bindValue(PreparedStatement statement, int index, Object value) throws SQLException {
        if (value == null) {
            statement.setNull(index, Types.VARCHAR);
        } else if (value instanceof Boolean bool) {
            statement.setBoolean(index, bool);
        } else {
            statement.setString(index, (String) value);
        }
    }

    private static String channel(JsonNode metadata) {
        JsonNode channelType = OmniJs.get(metadata, "channelType");
        return channelType != null && channelType.isTextual() && CHANNELS.contains(channelType.asText())
                ? channelType.asText() : "discord";
    }

    /** A property of a JavaScript object literal: undefined ones are left out by JSON.stringify. */
    private static void putDefined(ObjectNode target, String field, JsonNode value) {
        if (value != null) {
            target.set(field, value);
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value == null || value.isNull() || value.isContainerNode() ? null : value.asText();
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
