package dev.omnirollup.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

/**
 * The instance for {@code ?instanceId=}, asked of the API itself: the one with the most messages in
 * {@code /events/analytics?allTime=true}'s {@code instances} map (at the top level, or under {@code data}). Stateless.
 */
final class BusiestInstance {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String PATH = "/api/v2/events/analytics?allTime=true";

    private BusiestInstance() {
    }

    static Optional<String> ask(HttpProbe probe) {
        try {
            HttpProbe.Reply reply = probe.get(PATH);
            if (reply.status() != 200) {
                return Optional.empty();
            }
            JsonNode root = JSON.readTree(reply.body());
            JsonNode instances = root.has("instances") ? root.get("instances") : root.path("data").path("instances");
            String best = null;
            long most = -1;
            for (Iterator<Map.Entry<String, JsonNode>> it = instances.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = it.next();
                if (entry.getValue().asLong() > most) {
                    most = entry.getValue().asLong();
                    best = entry.getKey();
                }
            }
            return Optional.ofNullable(best);
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
