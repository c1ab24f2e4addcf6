package dev.omnirollup.api;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The body of {@code GET /api/v2/dead-letters/stats}: upstream's {@code {"data":{…}}} from the live counts, with
 * {@code retrying} added (promised by Omni's OpenAPI document and SDK) and {@code byEventType} sorted by key. Pure.
 */
final class DeadLettersBody {
    private DeadLettersBody() {
    }

    static Map<String, Object> of(LiveCounts.DeadLetters deadLetters) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("total", deadLetters.total());
        data.put("pending", deadLetters.pending());
        data.put("resolved", deadLetters.resolved());
        data.put("abandoned", deadLetters.abandoned());
        data.put("retrying", deadLetters.retrying());
        data.put("byEventType", new TreeMap<>(deadLetters.byEventType()));
        return Map.of("data", data);
    }
}
