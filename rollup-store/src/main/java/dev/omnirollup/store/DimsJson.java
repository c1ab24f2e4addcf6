package dev.omnirollup.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;

/** The JSON form of a row's {@code dims} map. */
final class DimsJson {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Long>> MAP = new TypeReference<>() {
    };

    private DimsJson() {
    }

    static String write(Map<String, Long> dims) {
        if (dims.isEmpty()) {
            return "{}";
        }
        try {
            return JSON.writeValueAsString(dims);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write dims " + dims, e);
        }
    }

    static Map<String, Long> read(String json) {
        try {
            return JSON.readValue(json, MAP);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable dims " + json, e);
        }
    }
}
