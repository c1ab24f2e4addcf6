package dev.omnirollup.sim;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Recognizes {@link TrafficCase}s in an event sequence from the events alone (independently of how they were
 * generated), e.g. to check that a traffic sample exercises every persistence rule. Stateless.
 */
public final class TrafficCensus {

    private TrafficCensus() {
    }

    /** How often each case occurs in {@code events} (publish order); {@code spanEnd} defines the last hour. */
    public static Map<TrafficCase, Integer> count(List<OmniEvent> events, Instant spanEnd) {
        Map<TrafficCase, Integer> counts = new EnumMap<>(TrafficCase.class);
        for (TrafficCase c : TrafficCase.values()) {
            counts.put(c, 0);
        }
        long lastHour = spanEnd.toEpochMilli() - 3_600_000L;
        // external id -> type of the first row-inserting message event carrying it (so far), and how many there are
        Map<String, String> firstInsertType = new HashMap<>();
        Map<String, Integer> insertCount = new HashMap<>();
        for (OmniEvent e : events) {
            if (persisted(e) && inserts(e.type())) {
                e.payloadText("externalId").ifPresent(x -> insertCount.merge(x, 1, Integer::sum));
            }
        }
        Set<String> seenReceipts = new HashSet<>();
        Set<String> sharedCounted = new HashSet<>();
        for (OmniEvent e : events) {
            Set<TrafficCase> cases = EnumSet.noneOf(TrafficCase.class);
            if (e.timestamp() >= lastHour) {
                cases.add(TrafficCase.LAST_HOUR);
            }
            if (e.type().startsWith("message.")) {
                message(e, cases, firstInsertType, insertCount, seenReceipts, sharedCounted);
            } else if (e.type().equals("automation.executed")) {
                automation(e, cases);
            } else if (e.type().equals("automation.queue")) {
                cases.add(TrafficCase.AUTOMATION_QUEUE);
            } else if (e.type().startsWith("instance.") && hierarchical(e)) {
                if (e.type().equals("instance.connected")) {
                    cases.add(TrafficCase.INSTANCE_CONNECTED);
                } else if (e.type().equals("instance.disconnected")) {
                    boolean loggedOut = e.payloadText("reason")
                            .map(r -> r.toLowerCase(Locale.ROOT).contains("logged out")).orElse(false);
                    cases.add(loggedOut ? TrafficCase.INSTANCE_DISCONNECTED_LOGGED_OUT
                            : TrafficCase.INSTANCE_DISCONNECTED_OTHER);
                }
            }
            cases.forEach(c -> counts.merge(c, 1, Integer::sum));
        }
        return counts;
    }

    /** The cases of {@code counts} that never occurred. */
    public static Set<TrafficCase> missing(Map<TrafficCase, Integer> counts) {
        Set<TrafficCase> missing = EnumSet.noneOf(TrafficCase.class);
        for (TrafficCase c : TrafficCase.values()) {
            if (counts.getOrDefault(c, 0) == 0) {
                missing.add(c);
            }
        }
        return missing;
    }

    private static void message(OmniEvent e, Set<TrafficCase> cases, Map<String, String> firstInsertType, Map<String, Integer> insertCount, Set<String> seenReceipts,
            Set<String> sharedCounted) {
        boolean hierarchical = hierarchical(e);
        boolean replay = isReplay(e);
        Optional<String> channel = e.metadataText("channelType");
        if (e.metadataText("instanceId").isEmpty()) {
            cases.add(TrafficCase.NO_INSTANCE_ID);
        }
        if (!hierarchical) {
            cases.add(TrafficCase.BARE_SUBJECT);
            if (replay) {
                cases.add(TrafficCase.REPLAY_BARE);
            }
            return;
        }
        if (replay) {
            JsonNode flag = e.payloadView().get("_replay");
            cases.add(flag != null && flag.asBoolean(false) ? TrafficCase.REPLAY_FLAG_HIERARCHICAL
                    : TrafficCase.REPLAY_SOURCE_HIERARCHICAL);
            return;
        }
        if (channel.isEmpty()) {
            cases.add(TrafficCase.CHANNEL_MISSING);
        } else if (!OmniEvent.isChannelType(channel.get())) {
            cases.add(TrafficCase.CHANNEL_UNKNOWN);
        }
        Optional<String> externalId = e.payloadText("externalId");
        switch (e.type()) {
            case "message.received" -> {
                JsonNode content = e.payloadView().get("content");
                String type = content != null && content.get("type") != null ? content.get("type").asText() : "";
                try {
                    cases.add(TrafficCase.valueOf("RECEIVED_" + type.toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException notACase) {
                    // other non-storable content types are realistic but not cases of their own
                }
            }
            case "message.sent" -> cases.add(TrafficCase.SENT);
            case "message.failed" -> {
                Optional<String> code = e.payloadText("errorCode");
                if (code.isEmpty()) {
                    cases.add(TrafficCase.FAILED_WITHOUT_CODE);
                } else if (code.get().startsWith("WHATSAPP_")) {
                    cases.add(TrafficCase.FAILED_WHATSAPP_CODE);
                } else if (code.get().startsWith("DISCORD_")) {
                    cases.add(TrafficCase.FAILED_DISCORD_CODE);
                }
                cases.add(externalId.isPresent() ? TrafficCase.FAILED_WITH_EXTERNAL_ID
                        : TrafficCase.FAILED_WITHOUT_EXTERNAL_ID);
            }
            case "message.delivered", "message.read" -> {
                boolean delivered = e.type().equals("message.delivered");
                String x = externalId.orElse("");
                if (!seenReceipts.add(e.type() + "|" + x)) {
                    cases.add(TrafficCase.REPEATED_RECEIPT);
                }
                String before = firstInsertType.get(x);
                if (before != null && before.equals("message.sent")) {
                    cases.add(delivered ? TrafficCase.DELIVERED_AFTER_SENT : TrafficCase.READ_AFTER_SENT);
                } else if (before != null && before.equals("message.received") && delivered) {
                    cases.add(TrafficCase.DELIVERED_FOR_INBOUND);
                } else if (before == null && insertCount.getOrDefault(x, 0) > 0) {
                    cases.add(delivered ? TrafficCase.DELIVERED_BEFORE_SENT : TrafficCase.READ_BEFORE_SENT);
                } else if (insertCount.getOrDefault(x, 0) == 0) {
                    cases.add(delivered ? TrafficCase.DELIVERED_UNMATCHED : TrafficCase.READ_UNMATCHED);
                }
            }
            default -> {
                return;
            }
        }
        if (inserts(e.type()) && externalId.isPresent()) {
            String x = externalId.get();
            firstInsertType.putIfAbsent(x, e.type());
            if (insertCount.getOrDefault(x, 0) > 1 && sharedCounted.add(x)) {
                cases.add(TrafficCase.SHARED_EXTERNAL_ID);
            }
        }
    }

    private static void automation(OmniEvent e, Set<TrafficCase> cases) {
        e.payloadText("status").ifPresent(status -> {
            switch (status) {
                case "success" -> cases.add(TrafficCase.AUTOMATION_SUCCESS);
                case "failed" -> cases.add(TrafficCase.AUTOMATION_FAILED);
                case "skipped" -> cases.add(TrafficCase.AUTOMATION_SKIPPED);
                default -> {
                }
            }
        });
        JsonNode actions = e.payloadView().get("actionsExecuted");
        int n = actions != null && actions.isArray() ? actions.size() : -1;
        switch (n) {
            case 0 -> cases.add(TrafficCase.AUTOMATION_0_ACTIONS);
            case 1 -> cases.add(TrafficCase.AUTOMATION_1_ACTION);
            case 2 -> cases.add(TrafficCase.AUTOMATION_2_ACTIONS);
            case 3 -> cases.add(TrafficCase.AUTOMATION_3_ACTIONS);
            case 4 -> cases.add(TrafficCase.AUTOMATION_4_ACTIONS);
            default -> {
            }
        }
        JsonNode time = e.payloadView().get("executionTimeMs");
        cases.add(time != null && time.isNumber() ? TrafficCase.AUTOMATION_WITH_TIME
                : TrafficCase.AUTOMATION_WITHOUT_TIME);
        if (e.subject().endsWith(".global")) {
            cases.add(TrafficCase.AUTOMATION_GLOBAL);
        }
    }

    static boolean hierarchical(OmniEvent e) {
        return ReferencePersistence.tokens(e.subject()) >= 3;
    }

    static boolean isReplay(OmniEvent e) {
        JsonNode flag = e.payloadView().get("_replay");
        return (flag != null && flag.isBoolean() && flag.booleanValue())
                || e.metadataText("source").map("replay"::equals).orElse(false);
    }

    private static boolean persisted(OmniEvent e) {
        return e.type().startsWith("message.") && hierarchical(e) && !isReplay(e);
    }

    private static boolean inserts(String type) {
        return type.equals("message.received") || type.equals("message.sent") || type.equals("message.failed");
    }
}
