package dev.omnirollup.api;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The validated query of {@code GET /api/v2/events/stream}: {@code instanceId} (a UUID of any version in any case,
 * as in analytics), {@code eventTypes} (a comma list of Omni event types, {@link #EVENT_TYPES}), and the resume
 * position from the {@code Last-Event-ID} header or, when the header is absent, the {@code lastEventId} query
 * parameter (for clients that reconnect by opening a new {@code EventSource}). Each parameter may be given once;
 * unknown parameters are ignored; a resume position is never an error (one that cannot be honoured is reported in
 * the {@code ready} frame). Pure.
 *
 * @param instanceId  only frames of this instance (lower case); empty = every instance
 * @param eventTypes  only frames of these Omni event types; empty = every type
 * @param lastEventId where a reconnecting client left off
 */
record SseQuery(Optional<String> instanceId, Set<String> eventTypes, Optional<String> lastEventId) {

    static final List<String> PARAMETERS = List.of("instanceId", "eventTypes", "lastEventId");

    /** The Omni event types a stream can be filtered on: the five message events and the two instance events. */
    static final List<String> EVENT_TYPES = List.of("message.received", "message.sent", "message.delivered",
            "message.read", "message.failed", "instance.connected", "instance.disconnected");

    private static final int MAX_LAST_EVENT_ID = 100;

    SseQuery {
        eventTypes = Set.copyOf(eventTypes);
    }

    /** Every frame, no resume position. */
    static SseQuery everything() {
        return new SseQuery(Optional.empty(), Set.of(), Optional.empty());
    }

    /**
     * Validates the raw parameters (name to every value given, in order) and the {@code Last-Event-ID} header.
     *
     * @throws ApiProblem 400 {@code VALIDATION_ERROR} naming every bad parameter
     */
    static SseQuery parse(Map<String, List<String>> raw, Optional<String> lastEventIdHeader) {
        Map<String, List<String>> errors = new LinkedHashMap<>();
        Optional<String> instance = QueryParams.single(raw, "instanceId", errors);
        Optional<String> types = QueryParams.single(raw, "eventTypes", errors);
        Optional<String> lastEventIdParameter = QueryParams.single(raw, "lastEventId", errors);

        Optional<String> instanceId = QueryParams.uuid("instanceId", instance, errors).map(UUID::toString);
        Set<String> eventTypes = new LinkedHashSet<>();
        if (types.isPresent()) {
            for (String part : types.get().split(",", -1)) {
                String type = part.trim();
                if (type.isEmpty()) {
                    QueryParams.add(errors, "eventTypes", "Expected a comma-separated list of event types without empty entries");
                } else if (!EVENT_TYPES.contains(type)) {
                    QueryParams.add(errors, "eventTypes", "Invalid event type '" + type + "'. Expected any of "
                            + String.join(", ", EVENT_TYPES));
                } else {
                    eventTypes.add(type);
                }
            }
        }
        if (!errors.isEmpty()) {
            throw ApiProblem.validation(errors);
        }
        Optional<String> lastEventId = lastEventIdHeader.isPresent() ? lastEventIdHeader : lastEventIdParameter;
        return new SseQuery(instanceId, eventTypes,
                lastEventId.map(String::trim).filter(id -> !id.isEmpty() && id.length() <= MAX_LAST_EVENT_ID));
    }

    /** Whether a frame passes the filters; frames without an event type (metrics, notices) always do. */
    boolean matches(SseFrame frame) {
        if (frame.eventType().isEmpty()) {
            return true;
        }
        if (!eventTypes.isEmpty() && !eventTypes.contains(frame.eventType().get())) {
            return false;
        }
        return instanceId.isEmpty() || instanceId.equals(frame.instanceId());
    }

    /** The filters as the {@code ready} frame reports them. */
    Map<String, Object> filtersJson() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("instanceId", instanceId);
        out.put("eventTypes", eventTypes.isEmpty() ? Optional.empty()
                : Optional.of(EVENT_TYPES.stream().filter(eventTypes::contains).toList()));
        return out;
    }


}
