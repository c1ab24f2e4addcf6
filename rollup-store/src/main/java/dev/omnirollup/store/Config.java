package dev.omnirollup.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Loaded configuration: flat kebab-case keys read from one YAML file (nested maps are flattened with {@code -}) and
 * overridden by environment variables {@code OMNI_ROLLUP_<KEY>} in upper snake case, for a given list of
 * {@link Setting}s (each module declares its own; the launcher loads them all). Values are validated once, when
 * loaded, and errors name the key, where it came from and what would be accepted; an unknown key is an error, with
 * the nearest known one suggested. Immutable.
 */
public final class Config {
    private final List<Setting<?>> settings;
    private final Map<String, Object> values;
    private final Map<String, String> sources;

    private Config(List<Setting<?>> settings, Map<String, Object> values, Map<String, String> sources) {
        this.settings = settings;
        this.values = values;
        this.sources = sources;
    }

    /** The value of a setting; it must be one of those this configuration was loaded with. */
    @SuppressWarnings("unchecked")
    public <T> T get(Setting<T> setting) {
        if (!values.containsKey(setting.name())) {
            throw new IllegalArgumentException(setting.name() + " is not among the settings loaded");
        }
        return (T) values.get(setting.name());
    }

    /** The settings this configuration holds, in their order. */
    public List<Setting<?>> settings() {
        return settings;
    }

    /** Where the value of a key came from: {@code default}, the YAML file, or an environment variable. */
    public String sourceOf(Setting<?> key) {
        return sources.get(key.name());
    }

    /** A copy with some keys set (as if from the YAML file); used by tests and the demo. */
    public Config with(Map<String, String> overrides) {
        Map<String, String> raw = new LinkedHashMap<>();
        for (Setting<?> key : settings) {
            raw.put(key.name(), rawOf(key));
        }
        raw.putAll(overrides);
        return load(settings, raw, "overrides", Map.of());
    }

    private String rawOf(Setting<?> key) {
        Object value = values.get(key.name());
        return switch (value) {
            case Optional<?> optional -> optional.map(String::valueOf).orElse("");
            case Duration duration -> duration.toMillis() + "ms";
            default -> String.valueOf(value);
        };
    }

    /** Defaults only. */
    public static Config defaults(List<Setting<?>> settings) {
        return load(settings, Map.of(), "defaults", Map.of());
    }

    /**
     * Reads the YAML file (when given) and the environment.
     *
     * @throws ConfigException naming the key, its source and the fix
     */
    public static Config load(List<Setting<?>> settings, Optional<Path> yaml, Map<String, String> environment) {
        Map<String, String> fromFile = new LinkedHashMap<>();
        String fileName = yaml.map(Path::toString).orElse("");
        if (yaml.isPresent()) {
            if (!Files.isRegularFile(yaml.get())) {
                throw new ConfigException("configuration file " + fileName + " does not exist");
            }
            try {
                JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(yaml.get().toFile());
                if (root != null && !root.isMissingNode() && !root.isNull()) {
                    if (!root.isObject()) {
                        throw new ConfigException(fileName + " must be a map of keys to values");
                    }
                    flatten("", root, fromFile, fileName);
                }
            } catch (IOException e) {
                throw new ConfigException(fileName + " is not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
            }
        }
        return load(settings, fromFile, fileName, environment);
    }

    static Config load(List<Setting<?>> settings, Map<String, String> file, String fileName,
                       Map<String, String> environment) {
        Map<String, Setting<?>> known = new LinkedHashMap<>();
        settings.forEach(key -> {
            if (known.put(key.name(), key) != null) {
                throw new IllegalArgumentException("setting " + key.name() + " is declared twice");
            }
        });
        for (String name : file.keySet()) {
            if (!known.containsKey(name)) {
                throw new ConfigException("unknown configuration key '" + name + "' in " + fileName + suggestion(name, known));
            }
        }
        Map<String, String> fromEnv = new TreeMap<>();
        environment.forEach((variable, value) -> {
            if (variable.startsWith("OMNI_ROLLUP_") && !variable.startsWith("OMNI_ROLLUP_TEST_")) {
                String name = variable.substring("OMNI_ROLLUP_".length()).toLowerCase(Locale.ROOT).replace('_', '-');
                if (!known.containsKey(name)) {
                    throw new ConfigException("unknown environment variable " + variable + suggestion(name, known));
                }
                fromEnv.put(name, value);
            }
        });
        Map<String, Object> values = new LinkedHashMap<>();
        Map<String, String> sources = new LinkedHashMap<>();
        for (Setting<?> key : settings) {
            String raw = key.defaultValue();
            String source = "default";
            if (file.containsKey(key.name())) {
                raw = file.get(key.name());
                source = fileName;
            }
            if (fromEnv.containsKey(key.name())) {
                raw = fromEnv.get(key.name());
                source = key.environmentVariable();
            }
            try {
                values.put(key.name(), key.parser().apply(raw));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(key.name() + " (from " + source + "): " + e.getMessage());
            }
            sources.put(key.name(), source);
        }
        return new Config(List.copyOf(settings), Collections.unmodifiableMap(values),
                Collections.unmodifiableMap(sources));
    }

    /** The configuration is invalid; the message names the key and the fix. */
    public static final class ConfigException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public ConfigException(String message) {
            super(message);
        }
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> into, String fileName) {
        node.fields().forEachRemaining(field -> {
            String name = prefix.isEmpty() ? field.getKey() : prefix + "-" + field.getKey();
            JsonNode value = field.getValue();
            if (value.isObject()) {
                flatten(name, value, into, fileName);
            } else if (value.isArray()) {
                List<String> items = new ArrayList<>();
                value.forEach(item -> items.add(item.asText()));
                into.put(name, String.join(",", items));
            } else {
                into.put(name, value.isNull() ? "" : value.asText());
            }
        });
    }

    /** Keys that existed once, with what to do about a setting of them. */
    private static final Map<String, String> RETIRED = Map.of("ingest-max-clock-skew",
            "removed: event timestamps are counted as Omni stores them, see docs/input-rules.md; delete the setting");

    private static String suggestion(String name, Map<String, Setting<?>> known) {
        if (RETIRED.containsKey(name)) {
            return " (" + RETIRED.get(name) + ")";
        }
        return known.keySet().stream().min(Comparator.comparingInt(k -> distance(k, name)))
                .filter(best -> distance(best, name) <= Math.max(2, name.length() / 3))
                .map(best -> " (did you mean '" + best + "'?)")
                .orElse(" (see the configuration table in the README)");
    }

    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
