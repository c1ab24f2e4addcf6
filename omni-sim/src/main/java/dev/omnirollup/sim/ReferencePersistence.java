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
import java.lang.reflect.Type;
import java.sql.PreparedStatement;
import java.sql.SQLException;
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
import java.util.function.Function;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.core.argument.Argument;
import org.jdbi.v3.core.argument.ArgumentFactory;
import org.jdbi.v3.core.config.ConfigRegistry;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.SqlStatement;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.core.statement.Update;

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
 * <p>Each {@link #apply} runs in one transaction on the given handle and batches inserts between the statements
 * that must see them. Every statement is constant text with named parameters. Not thread-safe; the caller owns the
 * handle.
 */
public final class ReferencePersistence {

    private static final int BATCH = 1_000;
    /** Savepoints: around a batch of rows that may be refused, around each of them, around a receipt's update. */
    private static final String BATCH_SAVEPOINT = "batch";
    private static final String ROW_SAVEPOINT = "row";
    private static final String RECEIPT = "receipt";
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

    /** The columns of an {@code omni_events} row as {@link Run} queues it, in order: the parameters of the insert. */
    private static final List<String> EVENT_COLUMNS = List.of("external_id", "channel", "instance_id", "event_type",
            "direction", "content_type", "text_content", "media_url", "media_mime_type", "chat_id",
            "reply_to_external_id", "status", "error_message", "error_stage", "received_at", "processed_at",
            "delivered_at", "read_at", "raw_payload", "metadata", "person_id", "platform_identity_id");
    private static final String INSERT_EVENT = "INSERT INTO omni_events (external_id, channel, instance_id, event_type,"
            + " direction, content_type, text_content, media_url, media_mime_type, chat_id, reply_to_external_id,"
            + " status, error_message, error_stage, received_at, processed_at, delivered_at, read_at, raw_payload,"
            + " metadata, person_id, platform_identity_id) VALUES (:external_id, :channel, :instance_id::uuid,"
            + " :event_type, :direction, :content_type, :text_content, :media_url, :media_mime_type, :chat_id,"
            + " :reply_to_external_id, :status, :error_message, :error_stage, :received_at::timestamp,"
            + " :processed_at::timestamp, :delivered_at::timestamp, :read_at::timestamp, :raw_payload::jsonb,"
            + " :metadata::jsonb, :person_id::uuid, :platform_identity_id::uuid)";
    private static final String UPDATE_DELIVERED = "UPDATE omni_events SET delivered_at = :at::timestamp,"
            + " status = 'completed' WHERE external_id = :external_id";
    private static final String UPDATE_READ =
            "UPDATE omni_events SET read_at = :at::timestamp WHERE external_id = :external_id";
    private static final String INSERT_AUTOMATION = "INSERT INTO automations (id, name, description,"
            + " trigger_event_type, actions) VALUES (:id, :name, 'created by omni-sim for automation.executed events',"
            + " 'message.received', '[]'::jsonb) ON CONFLICT (id) DO NOTHING";
    private static final String INSERT_LOG = "INSERT INTO automation_logs (automation_id, event_id, status,"
            + " conditions_matched, actions_executed, error, execution_time_ms, created_at)"
            + " VALUES (:automation_id, :event_id, :status, :conditions_matched, :actions_executed::jsonb, :error,"
            + " :execution_time_ms, :created_at)";
    private static final String CONNECT_INSTANCE = "UPDATE instances SET is_active = true,"
            + " profile_name = COALESCE(:profile_name, profile_name),"
            + " profile_pic_url = COALESCE(:profile_pic_url, profile_pic_url),"
            + " owner_identifier = COALESCE(:owner_identifier, owner_identifier), updated_at = :updated_at"
            + " WHERE id = :id";
    private static final String DISCONNECT_INSTANCE =
            "UPDATE instances SET is_active = false, updated_at = :updated_at WHERE id = :id";
    private static final String INSERT_INSTANCE =
            "INSERT INTO instances (id, name, channel) VALUES (:id, :name, :channel) ON CONFLICT DO NOTHING";
    private static final String INSTANCE_IDS = "SELECT id::text FROM instances";

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

    private final Handle handle;
    private final InstantSource clock;
    private final Set<UUID> knownAutomations = new HashSet<>();

    /** Uses the system clock for {@code processed_at} / {@code updated_at}. */
    public ReferencePersistence(Handle handle) {
        this(handle, InstantSource.system());
    }

    public ReferencePersistence(Handle handle, InstantSource clock) {
        this.handle = Objects.requireNonNull(handle, "handle");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Inserts the instances that do not exist yet ({@code is_active} false, upstream's default). */
    public void ensureInstances(List<Instance> instances) {
        if (instances.isEmpty()) {
            return;
        }
        try {
            PreparedBatch insert = handle.prepareBatch(INSERT_INSTANCE);
            for (Instance instance : instances) {
                insert.bind("id", instance.id()).bind("name", instance.name()).bind("channel", instance.channel())
                        .add();
            }
            insert.execute();
        } catch (JdbiException e) {
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
        void accept(Run run);
    }

    /** Runs {@code work} in one transaction: committed when it returns, rolled back when it throws. */
    private Stats inTransaction(int size, Work work) {
        try {
            return handle.inTransaction(h -> {
                Run run = new Run();
                work.accept(run);
                run.flush();
                return run.stats();
            });
        } catch (JdbiException e) {
            knownAutomations.clear(); // the automations it inserted are gone with it
            throw new OmniSimException("applying " + size + " events failed: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            knownAutomations.clear();
            throw e;
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

    /** An {@code automation_logs} row waiting for its batch. */
    private record LogRow(UUID automationId, String eventId, String status, boolean conditionsMatched,
            String actions, String error, Integer executionTimeMs, LocalDateTime createdAt) {
    }

    /** One transaction's queued rows and counters. */
    private final class Run {
        private final List<Object[]> pendingEvents = new ArrayList<>();
        /** The external ids of the queued rows: a receipt for one of them must see the rows first. */
        private final Set<Object> pendingKeys = new HashSet<>();
        /** Whether a queued row might be refused (if not, the batch needs no savepoint). */
        private boolean pendingMayFail;
        /** The instances that exist, to tell rows that certainly pass the foreign key. */
        private final Set<String> instances = new HashSet<>();
        private final List<LogRow> pendingLogs = new ArrayList<>();
        private long inserted;
        private long updated;
        private long skipped;
        private long lost;
        private long logs;
        private long instanceUpdates;

        Run() {
            handle.createQuery(INSTANCE_IDS).mapTo(String.class).forEach(instances::add);
        }

        void applyPublished(Published message) {
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

        void apply(OmniEvent event) {
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
        private void message(String subject, JsonNode root) {
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
        private void receipt(boolean delivered, JsonNode root, JsonNode payload, JsonNode metadata) {
            JsonNode externalId = OmniJs.get(payload, "externalId");
            String at = OmniJs.isoString(OmniJs.get(payload, delivered ? "deliveredAt" : "readAt"));
            if (externalId == null) {
                throw new OmniJs.TypeError("UNDEFINED_VALUE: Undefined values are not allowed");
            }
            Object key = bind(externalId);
            if (pendingKeys.contains(key)) {
                flushEvents();
            }
            Update update = bindValue(bindValue(handle.createUpdate(delivered ? UPDATE_DELIVERED : UPDATE_READ),
                    "at", at), "external_id", key);
            boolean mayFail = key instanceof Boolean || key instanceof String text && text.indexOf(0) >= 0
                    || at.length() != 24 || at.startsWith("0000");
            int n;
            if (mayFail) {
                handle.savepoint(RECEIPT);
                try {
                    n = update.execute();
                    handle.releaseSavepoint(RECEIPT);
                } catch (JdbiException refused) {
                    handle.rollbackToSavepoint(RECEIPT);
                    lost++;
                    return;
                }
            } else {
                n = update.execute();
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
                flushEvents();
            }
        }

        private void automationExecuted(OmniEvent event) {
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
                handle.createUpdate(INSERT_AUTOMATION).bind("id", automationId.get())
                        .bind("name", "automation " + automationId.get()).execute();
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
            pendingLogs.add(new LogRow(automationId.get(), eventId, status, matched.booleanValue(),
                    actions == null || actions.isNull() ? null : actions.toString(), error,
                    time == null || time.isNull() ? null : time.intValue(), utc(event.timestamp())));
            logs++;
            if (pendingLogs.size() >= BATCH) {
                flushLogs();
            }
        }

        private void instance(OmniEvent event) {
            ObjectNode p = event.payloadView();
            Optional<UUID> id = Optional.ofNullable(text(p, "instanceId"))
                    .or(() -> event.metadataText("instanceId")).flatMap(ReferencePersistence::parseUuid);
            if (id.isEmpty()) {
                lost++;
                return;
            }
            LocalDateTime now = LocalDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
            if (event.subject().startsWith("instance.connected.")) {
                instanceUpdates += handle.createUpdate(CONNECT_INSTANCE)
                        .bindByType("profile_name", text(p, "profileName"), String.class)
                        .bindByType("profile_pic_url", text(p, "profilePicUrl"), String.class)
                        .bindByType("owner_identifier", text(p, "ownerIdentifier"), String.class)
                        .bind("updated_at", now).bind("id", id.get()).execute();
                return;
            }
            String reason = text(p, "reason");
            if (reason == null || !reason.toLowerCase(Locale.ROOT).contains("logged out")) {
                skipped++;
                return;
            }
            instanceUpdates += handle.createUpdate(DISCONNECT_INSTANCE).bind("updated_at", now).bind("id", id.get())
                    .execute();
        }

        void flush() {
            flushEvents();
            flushLogs();
        }

        /**
         * Inserts the queued rows in one batch; when PostgreSQL refuses one of them, the batch is undone and the rows
         * are inserted one by one, each refused row being an event Omni lost.
         */
        private void flushEvents() {
            if (pendingEvents.isEmpty()) {
                return;
            }
            boolean savepoint = pendingMayFail;
            if (savepoint) {
                handle.savepoint(BATCH_SAVEPOINT);
            }
            try {
                PreparedBatch insert = handle.prepareBatch(INSERT_EVENT).registerArgument(WIRE);
                for (Object[] row : pendingEvents) {
                    bindRow(insert, row).add();
                }
                insert.execute();
                if (savepoint) {
                    handle.releaseSavepoint(BATCH_SAVEPOINT);
                }
                inserted += pendingEvents.size();
            } catch (JdbiException refused) {
                if (!savepoint) {
                    throw refused; // mayFail() let through a row PostgreSQL refused: the model is wrong
                }
                handle.rollbackToSavepoint(BATCH_SAVEPOINT);
                for (Object[] row : pendingEvents) {
                    handle.savepoint(ROW_SAVEPOINT);
                    try {
                        bindRow(handle.createUpdate(INSERT_EVENT), row).execute();
                        handle.releaseSavepoint(ROW_SAVEPOINT);
                        inserted++;
                    } catch (JdbiException lostRow) {
                        handle.rollbackToSavepoint(ROW_SAVEPOINT);
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

        private static <S extends SqlStatement<S>> S bindRow(S statement, Object[] row) {
            for (int i = 0; i < row.length; i++) {
                bindValue(statement, EVENT_COLUMNS.get(i), row[i]);
            }
            return statement;
        }

        private void flushLogs() {
            if (pendingLogs.isEmpty()) {
                return;
            }
            PreparedBatch insert = handle.prepareBatch(INSERT_LOG);
            for (LogRow row : pendingLogs) {
                insert.bind("automation_id", row.automationId()).bind("event_id", row.eventId())
                        .bind("status", row.status()).bind("conditions_matched", row.conditionsMatched())
                        .bindByType("actions_executed", row.actions(), String.class)
                        .bindByType("error", row.error(), String.class)
                        .bindByType("execution_time_ms", row.executionTimeMs(), Integer.class)
                        .bind("created_at", row.createdAt()).add();
            }
            insert.execute();
            pendingLogs.clear();
        }

        Stats stats() {
            return new Stats(inserted, updated, skipped, lost, logs, instanceUpdates);
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

    /** Binds what {@link #bind} made (see {@link Wire}). */
    private static <S extends SqlStatement<S>> S bindValue(S statement, String name, Object value) {
        return statement.bind(name, new Wire(value));
    }

    /**
     * What {@link #bind} made, as postgres.js sends it: text, a boolean, or NULL (a NULL of text). The statements cast
     * uuid, timestamp and jsonb parameters, which runs the same input functions as Omni's untyped parameters do (and
     * fails for a boolean). One type for all three, so that a batch may mix them under one name.
     */
    private record Wire(Object value) implements Argument {
        @Override
        public void apply(int position, PreparedStatement statement, StatementContext context) throws SQLException {
            if (value == null) {
                statement.setNull(position, Types.VARCHAR);
            } else if (value instanceof Boolean bool) {
                statement.setBoolean(position, bool);
            } else {
                statement.setString(position, (String) value);
            }
        }
    }

    /**
     * Binds a {@link Wire} as itself, found once per batch: without it Jdbi looks through its argument factories
     * (until the one for any {@link Argument}) for every value of every row. Single statements do without it.
     */
    private static final ArgumentFactory.Preparable WIRE = new ArgumentFactory.Preparable() {
        @Override
        public Optional<Function<Object, Argument>> prepare(Type type, ConfigRegistry config) {
            return type == Wire.class ? Optional.of(Wire.class::cast) : Optional.empty();
        }
    };

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
