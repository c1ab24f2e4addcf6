package dev.omnirollup.sim;

import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * Builds one episode of traffic at a time (a message with its receipts, a failure, an execution, ...) from a shared
 * random source. Not thread-safe; one per generation run.
 */
final class TrafficEpisodes {

    /** How far before its episode's anchor an event may be stamped (receipts published before their send). */
    static final long MAX_EARLY_MS = 1_000;

    /**
     * Share of the message events of randomly drawn episodes that are published in an odd shape Omni still stores
     * (see {@link #odd}); episodes forced for coverage never are.
     */
    static final double ODD_SHARE = 0.015;
    private static final DateTimeFormatter ISO_MILLIS =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    static final List<String> WHATSAPP_CODES = List.of("WHATSAPP_NOT_CONNECTED", "WHATSAPP_SEND_FAILED",
            "WHATSAPP_AUTH_FAILED", "WHATSAPP_RATE_LIMITED", "WHATSAPP_INVALID_JID", "WHATSAPP_INVALID_PHONE",
            "WHATSAPP_PAIRING_FAILED", "WHATSAPP_MEDIA_UPLOAD_FAILED", "WHATSAPP_UNKNOWN_ERROR");
    static final List<String> DISCORD_CODES = List.of("DISCORD_NOT_CONNECTED", "DISCORD_NOT_FOUND",
            "DISCORD_SEND_FAILED", "DISCORD_AUTH_FAILED", "DISCORD_RATE_LIMITED", "DISCORD_MISSING_ACCESS",
            "DISCORD_MISSING_PERMISSIONS", "DISCORD_UNKNOWN_MESSAGE", "DISCORD_UNKNOWN_CHANNEL",
            "DISCORD_UNKNOWN_GUILD", "DISCORD_INVALID_TOKEN", "DISCORD_UNKNOWN_ERROR");
    private static final List<String> TELEGRAM_ERRORS = List.of("Bad Request: chat not found",
            "Forbidden: bot was blocked by the user", "Too Many Requests: retry after 7",
            "Bad Request: message is too long");
    private static final List<String> TEXTS = List.of("Hi!", "Good morning", "Can you send me the invoice?",
            "Thanks, received.", "What time does the store open tomorrow?", "ok", "On my way",
            "Please call me back when you can", "Order #4821 has shipped", "Is this still available?",
            "Sure, see you at 3pm", "Could you resend the document?", "Olá, tudo bem?", "Merci beaucoup",
            "The meeting moved to Thursday", "lol", "Your verification code is 482913", "Happy birthday!");
    private static final List<String> EMOJIS = List.of("👍", "❤️", "😂", "🙏", "🎉", "😮");
    private static final List<String> UNKNOWN_CHANNELS = List.of("signal", "sms", "matrix", "WhatsApp");
    private static final List<String> ACTIONS = List.of("webhook", "send_message", "emit_event", "log", "call_agent");

    /** Inbound content types with weights (percent-ish); non-storable ones become NULL in the database. */
    private static final String[] INBOUND_TYPES = {"text", "image", "audio", "video", "document", "sticker",
        "contact", "location", "reaction", "edit", "delete", "poll", "unknown", "poll_update", "live_location"};
    private static final double[] INBOUND_WEIGHTS = {52, 10, 7, 3, 3, 4, 1, 1, 9, 2.5, 1.5, 1, 1, 1, 0.5};
    private static final String[] OUTBOUND_TYPES = {"text", "image", "document", "audio", "video", "sticker",
        "location", "contact"};
    private static final double[] OUTBOUND_WEIGHTS = {80, 8, 4, 3, 2, 1, 1, 1};

    private enum Kind { INBOUND, OUTBOUND, FAILED, UNMATCHED_RECEIPT, AUTOMATION, QUEUE, INSTANCE, BARE, REPLAY, FOREIGN }

    /** One generated event with its intended timestamp and generation order (to break timestamp ties causally). */
    record Draft(long timestamp, long sequence, OmniEvent event) {
        Draft at(long newTimestamp) {
            return new Draft(newTimestamp, sequence, event.withTimestamp(newTimestamp));
        }
    }

    private final SplittableRandom random;
    private final List<Instance> instances;
    private final Map<String, List<Instance>> byChannel = new HashMap<>();
    private final TrafficGenerator.Mix mix;
    private final double[] kindWeights;
    private final List<UUID> automationIds = new ArrayList<>();
    private final Map<UUID, Long> telegramCounters = new HashMap<>();
    private long sequence;
    private boolean oddAllowed;

    TrafficEpisodes(SplittableRandom random, List<Instance> instances, TrafficGenerator.Mix mix) {
        this.random = random;
        this.instances = instances;
        this.mix = mix;
        this.kindWeights = mix.weights();
        for (Instance instance : instances) {
            byChannel.computeIfAbsent(instance.channel(), k -> new ArrayList<>()).add(instance);
        }
        for (int i = 0; i < 8; i++) {
            automationIds.add(uuid(random));
        }
    }

    /** Appends one random episode anchored at {@code anchor}. */
    void emitRandom(long anchor, List<Draft> out) {
        oddAllowed = true;
        try {
            emitRandomEpisode(anchor, out);
        } finally {
            oddAllowed = false;
        }
    }

    private void emitRandomEpisode(long anchor, List<Draft> out) {
        Kind kind = Kind.values()[weighted(kindWeights)];
        switch (kind) {
            case INBOUND -> inbound(anchor, out, pickInstance(), Optional.empty(), chance(mix.inboundDelivered()));
            case OUTBOUND -> outbound(anchor, out, pickInstance(), OutboundPlan.random(this));
            case FAILED -> failed(anchor, out, pickInstance(), chance(mix.failedExternalId()));
            case UNMATCHED_RECEIPT -> unmatched(anchor, out, chance(0.6));
            case AUTOMATION -> automation(anchor, out, Optional.empty());
            case QUEUE -> queue(anchor, out);
            case INSTANCE -> instance(anchor, out, Optional.empty());
            case BARE -> bare(anchor, out, chance(0.6));
            case REPLAY -> replay(anchor, out, pick(List.of(TrafficCase.REPLAY_BARE,
                    TrafficCase.REPLAY_FLAG_HIERARCHICAL, TrafficCase.REPLAY_SOURCE_HIERARCHICAL)));
            case FOREIGN -> foreign(anchor, out, chance(0.5));
        }
    }

    /** Whether the mix allows the episode kind that exhibits {@code forced} (its weight is positive). */
    boolean allows(TrafficCase forced) {
        Kind kind = switch (forced) {
            case SENT, LAST_HOUR, DELIVERED_AFTER_SENT, READ_AFTER_SENT, DELIVERED_BEFORE_SENT, READ_BEFORE_SENT,
                    REPEATED_RECEIPT, SHARED_EXTERNAL_ID -> Kind.OUTBOUND;
            case DELIVERED_UNMATCHED, READ_UNMATCHED -> Kind.UNMATCHED_RECEIPT;
            case FAILED_WHATSAPP_CODE, FAILED_DISCORD_CODE, FAILED_WITHOUT_CODE, FAILED_WITH_EXTERNAL_ID,
                    FAILED_WITHOUT_EXTERNAL_ID -> Kind.FAILED;
            case CHANNEL_MISSING, CHANNEL_UNKNOWN -> Kind.FOREIGN;
            case NO_INSTANCE_ID, BARE_SUBJECT -> Kind.BARE;
            case REPLAY_BARE, REPLAY_FLAG_HIERARCHICAL, REPLAY_SOURCE_HIERARCHICAL -> Kind.REPLAY;
            case AUTOMATION_SUCCESS, AUTOMATION_FAILED, AUTOMATION_SKIPPED, AUTOMATION_0_ACTIONS,
                    AUTOMATION_1_ACTION, AUTOMATION_2_ACTIONS, AUTOMATION_3_ACTIONS, AUTOMATION_4_ACTIONS,
                    AUTOMATION_WITH_TIME, AUTOMATION_WITHOUT_TIME, AUTOMATION_GLOBAL -> Kind.AUTOMATION;
            case AUTOMATION_QUEUE -> Kind.QUEUE;
            case INSTANCE_CONNECTED, INSTANCE_DISCONNECTED_LOGGED_OUT, INSTANCE_DISCONNECTED_OTHER -> Kind.INSTANCE;
            default -> Kind.INBOUND;
        };
        return kindWeights[kind.ordinal()] > 0;
    }

    /** Appends an episode that certainly exhibits {@code forced}. */
    void emit(TrafficCase forced, long anchor, List<Draft> out) {
        Instance whatsapp = pickInstance("whatsapp-baileys", "whatsapp-cloud");
        switch (forced) {
            case RECEIVED_TEXT, RECEIVED_AUDIO, RECEIVED_IMAGE, RECEIVED_VIDEO, RECEIVED_DOCUMENT, RECEIVED_STICKER,
                    RECEIVED_CONTACT, RECEIVED_LOCATION, RECEIVED_REACTION, RECEIVED_EDIT, RECEIVED_DELETE,
                    RECEIVED_POLL, RECEIVED_UNKNOWN -> inbound(anchor, out, whatsapp,
                    Optional.of(forced.name().substring("RECEIVED_".length()).toLowerCase(Locale.ROOT)),
                    false);
            case SENT, LAST_HOUR -> outbound(anchor, out, pickInstance(), OutboundPlan.NONE);
            case DELIVERED_AFTER_SENT -> outbound(anchor, out, whatsapp,
                    new OutboundPlan(true, false, false, false, false));
            case READ_AFTER_SENT -> outbound(anchor, out, whatsapp, new OutboundPlan(true, true, false, false, false));
            case DELIVERED_BEFORE_SENT -> outbound(anchor, out, whatsapp,
                    new OutboundPlan(true, false, true, false, false));
            case READ_BEFORE_SENT -> {
                // a read receipt alone published before the send
                Instance instance = whatsapp;
                String externalId = externalId(instance, anchor);
                String chat = chatId(instance);
                long readTs = anchor - between(1, MAX_EARLY_MS);
                add(out, OmniEvent.messageRead(id(), readTs, plugin(instance, readTs), externalId, chat, readTs - 3));
                add(out, OmniEvent.messageSent(id(), anchor, plugin(instance, anchor), externalId, chat, chat,
                        outboundContent(Optional.of("text"))));
            }
            case DELIVERED_UNMATCHED -> unmatched(anchor, out, true);
            case READ_UNMATCHED -> unmatched(anchor, out, false);
            case DELIVERED_FOR_INBOUND -> inbound(anchor, out, whatsapp, Optional.of("text"), true);
            case REPEATED_RECEIPT -> outbound(anchor, out, whatsapp, new OutboundPlan(true, true, false, true, false));
            case SHARED_EXTERNAL_ID -> outbound(anchor, out, whatsapp,
                    new OutboundPlan(true, false, false, false, true));
            case FAILED_WHATSAPP_CODE -> failed(anchor, out, whatsapp, false);
            case FAILED_DISCORD_CODE -> failed(anchor, out, pickInstance("discord"), false);
            case FAILED_WITHOUT_CODE -> failed(anchor, out, pickInstance("telegram", "slack"), false);
            case FAILED_WITH_EXTERNAL_ID -> failed(anchor, out, pickInstance(), true);
            case FAILED_WITHOUT_EXTERNAL_ID -> failed(anchor, out, pickInstance(), false);
            case CHANNEL_MISSING -> foreign(anchor, out, true);
            case CHANNEL_UNKNOWN -> foreign(anchor, out, false);
            case NO_INSTANCE_ID, BARE_SUBJECT -> bare(anchor, out, true);
            case REPLAY_BARE, REPLAY_FLAG_HIERARCHICAL, REPLAY_SOURCE_HIERARCHICAL -> replay(anchor, out, forced);
            case AUTOMATION_SUCCESS, AUTOMATION_FAILED, AUTOMATION_SKIPPED, AUTOMATION_0_ACTIONS,
                    AUTOMATION_1_ACTION, AUTOMATION_2_ACTIONS, AUTOMATION_3_ACTIONS, AUTOMATION_4_ACTIONS,
                    AUTOMATION_WITH_TIME, AUTOMATION_WITHOUT_TIME, AUTOMATION_GLOBAL ->
                    automation(anchor, out, Optional.of(forced));
            case AUTOMATION_QUEUE -> queue(anchor, out);
            case INSTANCE_CONNECTED, INSTANCE_DISCONNECTED_LOGGED_OUT, INSTANCE_DISCONNECTED_OTHER ->
                    instance(anchor, out, Optional.of(forced));
        }
    }

    // ---------------------------------------------------------------- message episodes

    private void inbound(long anchor, List<Draft> out, Instance instance, Optional<String> forcedType,
            boolean receipt) {
        String type = forcedType.orElseGet(() -> inboundType(instance));
        String externalId = externalId(instance, anchor);
        String chat = chatId(instance);
        ObjectNode content = inboundContent(type);
        OmniEvent event = OmniEvent.messageReceived(id(), anchor, plugin(instance, anchor), externalId, chat,
                sender(instance, chat), content);
        if (chance(0.15)) {
            event = event.withPayloadField("replyToId", TextNode.valueOf(externalId(instance, anchor - 60_000)));
        }
        if (chance(0.3)) {
            ObjectNode raw = OmniEvent.JSON.objectNode();
            raw.put("platform", instance.channel());
            raw.put("pushName", pick(List.of("Ana", "Bruno", "Chen", "Dana", "Eli")));
            raw.put("messageTimestamp", anchor / 1000);
            event = event.withPayloadField("rawPayload", raw);
        }
        add(out, event);
        if (receipt && instance.hasReceipts()) {
            long ts = anchor + between(50, 5_000);
            add(out, OmniEvent.messageDelivered(id(), ts, plugin(instance, ts), externalId, chat, ts - between(0, 30)));
        }
    }

    /** What happens around one send: receipts, their order and duplicates. */
    record OutboundPlan(boolean delivered, boolean read, boolean beforeSend, boolean repeated, boolean shared) {
        static final OutboundPlan NONE = new OutboundPlan(false, false, false, false, false);

        static OutboundPlan random(TrafficEpisodes e) {
            boolean delivered = e.chance(e.mix.delivered());
            return new OutboundPlan(delivered, delivered && e.chance(e.mix.read()),
                    delivered && e.chance(e.mix.receiptBeforeSend()), delivered && e.chance(e.mix.repeatedReceipt()),
                    e.chance(e.mix.sharedExternalId()));
        }
    }

    private void outbound(long anchor, List<Draft> out, Instance instance, OutboundPlan plan) {
        String externalId = externalId(instance, anchor);
        String chat = chatId(instance);
        String type = weightedType(OUTBOUND_TYPES, OUTBOUND_WEIGHTS);
        ObjectNode content = outboundContent(Optional.of(type));
        boolean receipts = instance.hasReceipts();
        long deliveredTs = plan.beforeSend() ? anchor - between(1, MAX_EARLY_MS) : anchor + deliveryDelay();
        if (receipts && plan.delivered() && plan.beforeSend()) {
            add(out, OmniEvent.messageDelivered(id(), deliveredTs, plugin(instance, deliveredTs), externalId, chat,
                    deliveredTs - between(0, 30)));
        }
        add(out, OmniEvent.messageSent(id(), anchor, plugin(instance, anchor), externalId, chat, chat, content));
        if (plan.shared()) {
            long again = anchor + between(1, 400);
            add(out, OmniEvent.messageSent(id(), again, plugin(instance, again), externalId, chat, chat, content));
        }
        if (!receipts) {
            return;
        }
        if (plan.delivered() && !plan.beforeSend()) {
            add(out, OmniEvent.messageDelivered(id(), deliveredTs, plugin(instance, deliveredTs), externalId, chat,
                    deliveredTs - between(0, 30)));
        }
        if (plan.delivered() && plan.repeated()) {
            long again = Math.max(anchor, deliveredTs) + between(1, 2_000);
            add(out, OmniEvent.messageDelivered(id(), again, plugin(instance, again), externalId, chat,
                    deliveredTs - between(0, 30)));
        }
        if (plan.read()) {
            long readTs = Math.max(anchor, deliveredTs) + readDelay();
            add(out, OmniEvent.messageRead(id(), readTs, plugin(instance, readTs), externalId, chat,
                    readTs - between(0, 30)));
            if (plan.repeated() && chance(0.5)) {
                long again = readTs + between(1, 5_000);
                add(out, OmniEvent.messageRead(id(), again, plugin(instance, again), externalId, chat,
                        readTs - between(0, 30)));
            }
        }
    }

    private void failed(long anchor, List<Draft> out, Instance instance, boolean withExternalId) {
        String chat = chatId(instance);
        Optional<String> code = switch (instance.channel()) {
            case "whatsapp-baileys", "whatsapp-cloud" -> Optional.of(pick(WHATSAPP_CODES));
            case "discord" -> Optional.of(pick(DISCORD_CODES));
            default -> Optional.empty();
        };
        String error = code.map(c -> errorText(c)).orElseGet(() -> pick(TELEGRAM_ERRORS));
        boolean retryable = code.map(c -> c.endsWith("RATE_LIMITED") || c.endsWith("NOT_CONNECTED")
                || c.endsWith("SEND_FAILED")).orElse(error.startsWith("Too Many"));
        Optional<String> externalId = withExternalId ? Optional.of(externalId(instance, anchor)) : Optional.empty();
        add(out, OmniEvent.messageFailed(id(), anchor, plugin(instance, anchor), externalId, chat, error, code,
                retryable));
    }

    private void unmatched(long anchor, List<Draft> out, boolean delivered) {
        Instance instance = pickInstance("whatsapp-baileys", "whatsapp-cloud");
        String externalId = externalId(instance, anchor);
        String chat = chatId(instance);
        long at = anchor - between(0, 30);
        add(out, delivered
                ? OmniEvent.messageDelivered(id(), anchor, plugin(instance, anchor), externalId, chat, at)
                : OmniEvent.messageRead(id(), anchor, plugin(instance, anchor), externalId, chat, at));
    }

    /** A message event without instanceId in its metadata, or from a process-level publisher: bare subject. */
    private void bare(long anchor, List<Draft> out, boolean channelWithoutInstance) {
        Instance instance = pickInstance();
        String chat = chatId(instance);
        String id = id();
        OmniEvent.Meta meta = channelWithoutInstance
                ? new OmniEvent.Meta(correlationId(anchor), Optional.empty(), Optional.of(instance.channel()), id,
                        "channel:" + instance.channel())
                : OmniEvent.Meta.process(correlationId(anchor), id, pick(List.of("dead-letter-retry", "omni-api",
                        "dead-letter-auto-retry")));
        add(out, chance(0.5)
                ? OmniEvent.messageReceived(id, anchor, meta, externalId(instance, anchor), chat,
                        sender(instance, chat), inboundContent("text"))
                : OmniEvent.messageSent(id, anchor, meta, externalId(instance, anchor), chat, chat,
                        outboundContent(Optional.of("text"))));
    }

    private void replay(long anchor, List<Draft> out, TrafficCase variant) {
        Instance instance = pickInstance();
        String chat = chatId(instance);
        String originalId = id();
        String id = id();
        OmniEvent original = chance(0.6)
                ? OmniEvent.messageReceived(originalId, anchor, plugin(instance, anchor), externalId(instance, anchor),
                        chat, sender(instance, chat), inboundContent(inboundType(instance)))
                : OmniEvent.messageSent(originalId, anchor, plugin(instance, anchor), externalId(instance, anchor),
                        chat, chat, outboundContent(Optional.of("text")));
        ObjectNode payload = original.payloadView().deepCopy();
        ObjectNode metadata;
        String subject;
        switch (variant) {
            case REPLAY_BARE -> {
                payload.put("_replay", true);
                payload.put("_replaySessionId", uuid(random).toString());
                payload.put("_originalEventId", originalId);
                metadata = OmniEvent.Meta.process(correlationId(anchor), id, "replay").toJson();
                subject = original.type();
            }
            case REPLAY_FLAG_HIERARCHICAL -> {
                payload.put("_replay", true);
                payload.put("_replaySessionId", uuid(random).toString());
                payload.put("_originalEventId", originalId);
                metadata = plugin(instance, anchor).toJson();
                subject = original.subject();
            }
            default -> {
                metadata = new OmniEvent.Meta(correlationId(anchor), Optional.of(instance.id().toString()),
                        Optional.of(instance.channel()), id, "replay").toJson();
                subject = original.subject();
            }
        }
        add(out, new OmniEvent(subject, id, original.type(), payload, anchor, metadata));
    }

    /** A hierarchical message event from a foreign publisher: channelType missing, or not a channel type. */
    private void foreign(long anchor, List<Draft> out, boolean missingChannel) {
        Instance instance = pickInstance();
        String chat = chatId(instance);
        String id = id();
        String channel = missingChannel ? instance.channel() : pick(UNKNOWN_CHANNELS);
        OmniEvent.Meta meta = new OmniEvent.Meta(correlationId(anchor), Optional.of(instance.id().toString()),
                missingChannel ? Optional.empty() : Optional.of(channel), id, "external-bridge");
        OmniEvent event = chance(0.7)
                ? OmniEvent.messageReceived(id, anchor, meta, externalId(instance, anchor), chat,
                        sender(instance, chat), inboundContent("text"))
                : OmniEvent.messageSent(id, anchor, meta, externalId(instance, anchor), chat, chat,
                        outboundContent(Optional.of("text")));
        String action = event.type().substring("message.".length());
        add(out, event.withSubject("message." + action + "." + channel + "." + instance.id()));
    }

    // ---------------------------------------------------------------- automation and instance episodes

    private void automation(long anchor, List<Draft> out, Optional<TrafficCase> forced) {
        TrafficCase f = forced.orElse(null);
        String status;
        if (f == TrafficCase.AUTOMATION_SUCCESS || f == TrafficCase.AUTOMATION_1_ACTION
                || f == TrafficCase.AUTOMATION_2_ACTIONS || f == TrafficCase.AUTOMATION_3_ACTIONS
                || f == TrafficCase.AUTOMATION_4_ACTIONS) {
            status = "success";
        } else if (f == TrafficCase.AUTOMATION_FAILED) {
            status = "failed";
        } else if (f == TrafficCase.AUTOMATION_SKIPPED || f == TrafficCase.AUTOMATION_0_ACTIONS) {
            status = "skipped";
        } else {
            double u = random.nextDouble();
            status = u < 0.75 ? "success" : u < 0.90 ? "failed" : "skipped";
        }
        int actionCount = switch (f == null ? TrafficCase.LAST_HOUR : f) {
            case AUTOMATION_0_ACTIONS -> 0;
            case AUTOMATION_1_ACTION -> 1;
            case AUTOMATION_2_ACTIONS -> 2;
            case AUTOMATION_3_ACTIONS -> 3;
            case AUTOMATION_4_ACTIONS -> 4;
            default -> status.equals("skipped") ? 0
                    : status.equals("failed") && chance(0.1) ? 0
                    : 1 + (int) Math.min(3, Math.floor(-Math.log(1 - random.nextDouble()) * 1.2));
        };
        List<OmniEvent.ActionResult> actions = new ArrayList<>(actionCount);
        int failing = status.equals("failed") && actionCount > 0 ? random.nextInt(actionCount) : -1;
        long total = 0;
        for (int i = 0; i < actionCount; i++) {
            String action = pick(ACTIONS);
            long duration = action.equals("call_agent") ? between(300, 9_000)
                    : action.equals("webhook") ? between(20, 1_500) : between(0, 40);
            total += duration;
            if (i == failing) {
                actions.add(new OmniEvent.ActionResult(action, "failed", Optional.empty(),
                        Optional.of(actionError(action)), duration));
            } else {
                actions.add(new OmniEvent.ActionResult(action, "success", Optional.of(actionResult(action)),
                        Optional.empty(), duration));
            }
        }
        boolean withTime = f == TrafficCase.AUTOMATION_WITH_TIME
                || (f != TrafficCase.AUTOMATION_WITHOUT_TIME && !chance(mix.executionTimeAbsent()));
        OptionalLong executionTime = withTime ? OptionalLong.of(total + between(0, 15)) : OptionalLong.empty();
        boolean global = f == TrafficCase.AUTOMATION_GLOBAL || (f == null && chance(0.1));
        Optional<Instance> instance = global ? Optional.empty() : Optional.of(pickInstance());
        String id = id();
        OmniEvent.Meta meta = new OmniEvent.Meta(correlationId(anchor),
                instance.map(i -> i.id().toString()), instance.map(Instance::channel), id, "automation-engine");
        add(out, OmniEvent.automationExecuted(id, anchor, meta, instance.map(Instance::id),
                pick(automationIds), uuid(random).toString(), status, actions, executionTime,
                !status.equals("skipped")));
    }

    private void queue(long anchor, List<Draft> out) {
        String target = chance(0.1) ? "global" : pickInstance().id().toString();
        int active = random.nextInt(4);
        int pending = chance(0.7) ? 0 : random.nextInt(26);
        String id = id();
        add(out, OmniEvent.automationQueue(id, anchor,
                OmniEvent.Meta.process(correlationId(anchor), id, "automation-engine"), target, active, pending));
    }

    private void instance(long anchor, List<Draft> out, Optional<TrafficCase> forced) {
        Instance instance = pickInstance();
        TrafficCase kind = forced.orElseGet(() -> {
            double u = random.nextDouble();
            return u < 0.5 ? TrafficCase.INSTANCE_CONNECTED
                    : u < 0.65 ? TrafficCase.INSTANCE_DISCONNECTED_LOGGED_OUT : TrafficCase.INSTANCE_DISCONNECTED_OTHER;
        });
        boolean bareCreation = forced.isEmpty() && kind == TrafficCase.INSTANCE_CONNECTED && chance(0.1);
        String id = id();
        OmniEvent.Meta meta = bareCreation ? OmniEvent.Meta.process(correlationId(anchor), id, "omni-api")
                : plugin(instance, anchor, id);
        if (kind == TrafficCase.INSTANCE_CONNECTED) {
            add(out, OmniEvent.instanceConnected(id, anchor, meta, instance.id(), instance.channel(),
                    Optional.of(pick(List.of("Support", "Sales Bot", "Ana's Shop", "Omni Demo"))),
                    chance(0.5) ? Optional.of("https://pps.example/" + instance.id() + ".jpg") : Optional.empty(),
                    instance.hasReceipts() ? Optional.of("551199" + between(1_000_000, 9_999_999) + "@s.whatsapp.net")
                            : Optional.empty()));
        } else {
            Optional<String> reason = kind == TrafficCase.INSTANCE_DISCONNECTED_LOGGED_OUT
                    ? Optional.of(pick(List.of("Logged out", "logged out from phone", "Connection Failure: LOGGED OUT")))
                    : chance(0.2) ? Optional.empty()
                    : Optional.of(pick(List.of("Connection closed", "Stream Errored (restart required)",
                            "Connection lost", "Gateway heartbeat timeout")));
            add(out, OmniEvent.instanceDisconnected(id, anchor, meta, instance.id(), instance.channel(), reason,
                    kind != TrafficCase.INSTANCE_DISCONNECTED_LOGGED_OUT));
        }
    }

    // ---------------------------------------------------------------- content

    private String inboundType(Instance instance) {
        while (true) {
            String type = weightedType(INBOUND_TYPES, INBOUND_WEIGHTS);
            boolean dualEmits = instance.channel().startsWith("whatsapp") || instance.channel().equals("discord");
            if (dualEmits || !(type.equals("reaction") || type.equals("edit") || type.equals("delete"))) {
                return type;
            }
        }
    }

    private ObjectNode inboundContent(String type) {
        return switch (type) {
            case "text" -> OmniEvent.content(type, Optional.of(pick(TEXTS)), Optional.empty(), Optional.empty());
            case "reaction" -> OmniEvent.content(type, Optional.of(pick(EMOJIS)), Optional.empty(), Optional.empty());
            case "edit" -> OmniEvent.content(type, Optional.of(pick(TEXTS) + " (edited)"), Optional.empty(),
                    Optional.empty());
            case "poll" -> OmniEvent.content(type, Optional.of("Lunch on Friday?"), Optional.empty(), Optional.empty());
            case "location", "live_location" -> OmniEvent.content(type, Optional.of("-23.5505,-46.6333"),
                    Optional.empty(), Optional.empty());
            case "contact" -> OmniEvent.content(type, Optional.of("BEGIN:VCARD\nFN:Ana\nEND:VCARD"), Optional.empty(),
                    Optional.empty());
            case "image", "audio", "video", "document", "sticker" -> media(type);
            default -> OmniEvent.content(type, Optional.empty(), Optional.empty(), Optional.empty());
        };
    }

    private ObjectNode outboundContent(Optional<String> type) {
        String t = type.orElse("text");
        return switch (t) {
            case "text" -> OmniEvent.content(t, Optional.of(pick(TEXTS)), Optional.empty(), Optional.empty());
            case "image", "audio", "video", "document", "sticker" -> {
                ObjectNode node = media(t);
                node.remove("mimeType");
                yield node;
            }
            default -> inboundContent(t);
        };
    }

    private ObjectNode media(String type) {
        String[] ext = switch (type) {
            case "image" -> new String[] {"jpg", "image/jpeg"};
            case "audio" -> new String[] {"ogg", "audio/ogg; codecs=opus"};
            case "video" -> new String[] {"mp4", "video/mp4"};
            case "document" -> new String[] {"pdf", "application/pdf"};
            default -> new String[] {"webp", "image/webp"};
        };
        Optional<String> caption = type.equals("image") && chance(0.3) ? Optional.of(pick(TEXTS)) : Optional.empty();
        return OmniEvent.content(type, caption, Optional.of("https://media.example/" + uuid(random) + "." + ext[0]),
                Optional.of(ext[1]));
    }

    private static String errorText(String code) {
        return switch (code.substring(code.indexOf('_') + 1)) {
            case "NOT_CONNECTED" -> "Instance is not connected";
            case "RATE_LIMITED" -> "Rate limited by platform, retry later";
            case "AUTH_FAILED", "INVALID_TOKEN" -> "Authentication with the platform failed";
            case "INVALID_JID", "INVALID_PHONE" -> "Recipient address is invalid";
            case "MEDIA_UPLOAD_FAILED" -> "Media upload failed: 413 Payload Too Large";
            case "MISSING_ACCESS", "MISSING_PERMISSIONS" -> "Missing Permissions";
            case "UNKNOWN_CHANNEL", "UNKNOWN_GUILD", "UNKNOWN_MESSAGE", "NOT_FOUND" -> "Unknown Channel";
            default -> "Failed to send message";
        };
    }

    private static String actionResult(String action) {
        return switch (action) {
            case "webhook" -> "200 OK";
            case "send_message" -> "sent";
            case "emit_event" -> "emitted custom.automation.fired";
            case "call_agent" -> "agent replied";
            default -> "logged";
        };
    }

    private static String actionError(String action) {
        return switch (action) {
            case "webhook" -> "Webhook returned 502 Bad Gateway";
            case "send_message" -> "Instance not connected";
            case "call_agent" -> "Agent timeout after 30000ms";
            default -> "Action failed: " + action;
        };
    }

    // ---------------------------------------------------------------- identifiers

    private String externalId(Instance instance, long ts) {
        return switch (instance.channel()) {
            case "whatsapp-baileys" -> String.format("3EB0%016X", random.nextLong());
            case "whatsapp-cloud" -> "wamid.HBgM" + base36(random.nextLong() & Long.MAX_VALUE)
                    + base36(random.nextLong() & Long.MAX_VALUE);
            case "discord" -> Long.toString((Math.max(0, ts - 1_420_070_400_000L) << 22) | random.nextInt(1 << 22));
            case "telegram" -> Long.toString(telegramCounters.merge(instance.id(), 1L, Long::sum) + 1_000);
            default -> (ts / 1000) + "." + String.format("%06d", random.nextInt(1_000_000));
        };
    }

    private String chatId(Instance instance) {
        int k = random.nextInt(40);
        long base = Math.abs(instance.id().getLeastSignificantBits() % 100_000_000L);
        return switch (instance.channel()) {
            case "whatsapp-baileys" -> k < 34 ? "5511" + String.format("%09d", (base + k * 7919L) % 1_000_000_000L)
                    + "@s.whatsapp.net" : "120363" + String.format("%012d", base * 40 + k) + "@g.us";
            case "whatsapp-cloud" -> "1555" + String.format("%07d", (base + k) % 10_000_000L);
            case "discord" -> Long.toString(1_100_000_000_000_000_000L + base * 40 + k);
            case "telegram" -> k < 30 ? Long.toString(500_000_000L + base + k) : "-100" + (1_700_000_000L + base + k);
            default -> "C0" + base36(base * 40 + k).toUpperCase(Locale.ROOT);
        };
    }

    private String sender(Instance instance, String chat) {
        return switch (instance.channel()) {
            case "whatsapp-baileys" -> chat.endsWith("@g.us")
                    ? "5521" + String.format("%09d", random.nextInt(1_000_000_000)) + "@s.whatsapp.net" : chat;
            case "discord" -> Long.toString(900_000_000_000_000_000L + random.nextInt(1_000_000));
            case "telegram" -> chat.startsWith("-") ? Long.toString(600_000_000L + random.nextInt(1_000_000)) : chat;
            case "slack" -> "U0" + base36(random.nextInt(1_000_000)).toUpperCase(Locale.ROOT);
            default -> chat;
        };
    }

    /** Plugin metadata with a fresh trace id (callers supply their own upstream; the default is the event id). */
    private OmniEvent.Meta plugin(Instance instance, long ts) {
        return plugin(instance, ts, uuid(random).toString());
    }

    private OmniEvent.Meta plugin(Instance instance, long ts, String traceId) {
        return OmniEvent.Meta.plugin(correlationId(ts), instance.id(), instance.channel(), traceId);
    }

    private String correlationId(long ts) {
        StringBuilder sb = new StringBuilder("evt-").append(Long.toString(Math.max(0, ts), 36)).append('-');
        for (int i = 0; i < 8; i++) {
            sb.append(Character.forDigit(random.nextInt(36), 36));
        }
        return sb.toString();
    }

    private String id() {
        return uuid(random).toString();
    }

    static UUID uuid(SplittableRandom random) {
        long hi = (random.nextLong() & ~0xF000L) | 0x4000L;
        long lo = (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(hi, lo);
    }

    private static String base36(long v) {
        return Long.toString(v, 36);
    }

    // ---------------------------------------------------------------- randomness

    private long deliveryDelay() {
        return chance(0.9) ? between(150, 4_000) : between(4_000, 600_000);
    }

    private long readDelay() {
        return chance(0.7) ? between(1_000, 120_000) : between(120_000, 7_200_000);
    }

    private void add(List<Draft> out, OmniEvent event) {
        out.add(new Draft(event.timestamp(), sequence++, oddAllowed ? odd(event) : event));
    }

    /**
     * Now and then (decided from the event's id, so the rest of the traffic does not change) a message event in a
     * shape that real publishers can produce and Omni stores all the same (docs/input-rules.md): a content that is
     * a string or lacks its type, numeric external ids, fractional or ISO-8601 timestamps, a numeric envelope id, an
     * upper-case instance id, a raw payload Omni must sanitize, empty or numeric error codes, a null external id on a
     * failure or a receipt (which then inserts its own row), a null receipt time.
     */
    private OmniEvent odd(OmniEvent event) {
        if (!event.type().startsWith("message.") || ReferencePersistence.tokens(event.subject()) < 3) {
            return event;
        }
        SplittableRandom r = new SplittableRandom(UUID.fromString(event.id()).getLeastSignificantBits());
        if (r.nextDouble() >= ODD_SHARE) {
            return event;
        }
        ObjectNode payload = event.payload();
        String externalId = payload.path("externalId").asText("");
        boolean numericId = externalId.matches("[1-9][0-9]{0,14}");
        long ts = event.timestamp();
        switch (event.type()) {
            case "message.received", "message.sent" -> {
                int variant = r.nextInt(8);
                if (variant == 2 && !numericId || variant == 7 && event.type().equals("message.sent")) {
                    variant = 0;
                }
                switch (variant) {
                    case 0 -> payload.put("content", payload.path("content").path("text").asText(""));
                    case 1 -> ((ObjectNode) payload.get("content")).remove("type");
                    case 2 -> payload.put("externalId", Long.parseLong(externalId));
                    case 3 -> {
                        return event.withEnvelopeField("timestamp", DoubleNode.valueOf(ts + 0.25 * (1 + r.nextInt(3))));
                    }
                    case 4 -> {
                        return event.withEnvelopeField("timestamp", TextNode.valueOf(ISO_MILLIS.format(
                                Instant.ofEpochMilli(ts))));
                    }
                    case 5 -> {
                        return event.withEnvelopeField("id", LongNode.valueOf(1 + (r.nextLong() & ((1L << 52) - 1))));
                    }
                    case 6 -> {
                        ObjectNode metadata = event.metadata();
                        metadata.put("instanceId", metadata.path("instanceId").asText().toUpperCase(Locale.ROOT));
                        return event.withMetadata(metadata);
                    }
                    default -> payload.putObject("rawPayload").put("note", "zero\u0000width\uD83D");
                }
            }
            case "message.failed" -> {
                switch (r.nextInt(5)) {
                    case 0 -> payload.put("errorCode", "");
                    case 1 -> payload.put("errorCode", pick(List.of(429, 500, 503)));
                    case 2 -> payload.putNull("externalId");
                    case 3 -> {
                        return event.withEnvelopeField("timestamp", DoubleNode.valueOf(ts + 0.5));
                    }
                    default -> payload.putObject("error").put("message", payload.path("error").asText());
                }
            }
            default -> {
                String at = event.type().equals("message.delivered") ? "deliveredAt" : "readAt";
                int variant = r.nextInt(4);
                switch (variant == 2 && !numericId ? 0 : variant) {
                    case 0 -> payload.putNull("externalId");
                    case 1 -> payload.putNull(at);
                    case 2 -> payload.put("externalId", Long.parseLong(externalId));
                    default -> {
                        return event.withEnvelopeField("timestamp", TextNode.valueOf(ISO_MILLIS.format(
                                Instant.ofEpochMilli(ts))));
                    }
                }
            }
        }
        return new OmniEvent(event.subject(), event.id(), event.type(), payload, ts, event.metadata(),
                event.overrides());
    }

    private Instance pickInstance() {
        return instances.get(random.nextInt(instances.size()));
    }

    /** An instance of one of the channels, in preference order; any instance if none of them exists. */
    private Instance pickInstance(String... channels) {
        for (String channel : channels) {
            List<Instance> candidates = byChannel.get(channel);
            if (candidates != null) {
                return candidates.get(random.nextInt(candidates.size()));
            }
        }
        return pickInstance();
    }

    private boolean chance(double p) {
        return random.nextDouble() < p;
    }

    private long between(long from, long to) {
        return random.nextLong(from, to);
    }

    private <T> T pick(List<T> values) {
        return values.get(random.nextInt(values.size()));
    }

    private String weightedType(String[] types, double[] weights) {
        return types[weighted(weights)];
    }

    private int weighted(double[] weights) {
        double sum = 0;
        for (double w : weights) {
            sum += w;
        }
        double u = random.nextDouble() * sum;
        for (int i = 0; i < weights.length; i++) {
            u -= weights[i];
            if (u < 0 && weights[i] > 0) {
                return i;
            }
        }
        for (int i = weights.length - 1; i >= 0; i--) {
            if (weights[i] > 0) {
                return i;
            }
        }
        throw new IllegalStateException("no positive weight");
    }
}
