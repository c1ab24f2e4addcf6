package dev.omnirollup.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;

/** The JSON form of a row's {@code dims} map. */
final class DimsJson {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonStringEncoder TEXT = JsonStringEncoder.getInstance();
    private static final TypeReference<Map<String, Long>> MAP = new TypeReference<>() {
    };

    private DimsJson() {
    }

    /**
     * The object of these keys, in this order, with {@code counts[i]} for {@code keys[i]}; written directly, since a
     * batch at many instances writes thousands of rows.
     */
    static String write(String[] keys, long[] counts) {
        if (keys.length == 0) {
            return "{}";
        }
        StringBuilder json = new StringBuilder(keys.length * 24).append('{');
        for (int i = 0; i < keys.length; i++) {
            json.append(i == 0 ? "\"" : ",\"");
            TEXT.quoteAsString(keys[i], json);
            json.append("\":").append(counts[i]);
        }
        return json.append('}').toString();
    }

    static Map<String, Long> read(String json) {
        try {
            return JSON.readValue(json, MAP);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable dims " + json, e);
        }
    }
}
