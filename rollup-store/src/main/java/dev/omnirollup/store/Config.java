package dev.omnirollup.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * omni-rollup's configuration: flat kebab-case keys read from one YAML file (nested maps are flattened with
 * {@code -}) and overridden by environment variables {@code OMNI_ROLLUP_<KEY>} in upper snake case. Every key,
 * its default and its meaning are listed in {@link #KEYS}; values are validated once, when loaded, and errors name
 * the key, where it came from and what would be accepted. Immutable.
 */
public final class Config {
    /** Every key, in the order the README documents them. */
    public static final List<Key<?>> KEYS = new ArrayList<>();

    public static final Key<Optional<String>> DATABASE_URL = key("database-url", "", Config::optionalDatabaseUrl,
            "PostgreSQL holding Omni's tables (postgres://user:pass@host:port/db or jdbc:postgresql://…). "
                    + "Required by serve, ingest, all, backfill and verify; demo starts an embedded PostgreSQL without it.");
    public static final Key<Integer> DATABASE_POOL_SIZE = key("database-pool-size", "10", v -> intIn(v, 1, 200),
            "Connections per process.");
    public static final Key<String> ROLLUP_SCHEMA = key("rollup-schema", "rollup", Config::identifier,
            "Schema of omni-rollup's own tables (created and migrated by omni-rollup).");
    public static final Key<String> OMNI_SCHEMA = key("omni-schema", "public", Config::identifier,
            "Schema of Omni's tables (read only).");
    public static final Key<String> NATS_URL = key("nats-url", "nats://127.0.0.1:4222", Config::natsUrl,
            "NATS server(s), comma-separated.");
    public static final Key<String> NATS_SUBJECT_PREFIX = key("nats-subject-prefix", "", Config::subjectPrefix,
            "Prefix in front of Omni's subjects (empty for Omni; tests use one to share a server).");
    public static final Key<String> MESSAGE_STREAM = key("message-stream", "MESSAGE", Config::streamName,
            "JetStream stream of message.> events (created with upstream's settings if missing).");
    public static final Key<String> AUTOMATION_STREAM = key("automation-stream", "AUTOMATION", Config::streamName,
            "JetStream stream of automation.> events (created if missing).");
    public static final Key<String> INGEST_CONSUMER = key("ingest-consumer", "omni-rollup", Config::streamName,
            "Durable consumer name on both streams; every ingest worker uses the same one.");
    public static final Key<Integer> INGEST_BATCH_SIZE = key("ingest-batch-size", "2000", v -> intIn(v, 1, 50_000),
            "Most messages folded into one transaction.");
    public static final Key<Duration> INGEST_BATCH_WAIT = key("ingest-batch-wait", "50ms",
            v -> durationIn(v, Duration.ofMillis(1), Duration.ofSeconds(30)),
            "Longest wait for a batch to fill before it is applied.");
    public static final Key<Integer> INGEST_MAX_ACK_PENDING = key("ingest-max-ack-pending", "20000",
            v -> intIn(v, 1, 1_000_000), "Most unacknowledged messages per consumer.");
    public static final Key<Duration> INGEST_ACK_WAIT = key("ingest-ack-wait", "30s",
            v -> durationIn(v, Duration.ofSeconds(1), Duration.ofHours(1)),
            "Time before NATS redelivers an unacknowledged message.");
    public static final Key<Integer> INGEST_MAX_EVENT_BYTES = key("ingest-max-event-bytes", "1048576",
            v -> intIn(v, 1024, 64 * 1024 * 1024), "Bodies larger than this are rejected as poison.");
    public static final Key<Optional<Instant>> INGEST_CUTOVER = key("ingest-cutover", "", Config::optionalInstant,
            "Cutover instant to record on first start instead of the start time (ISO-8601, e.g. 2026-01-01T00:00:00Z).");
    public static final Key<Duration> INGEST_START_MARGIN = key("ingest-start-margin", "1h",
            v -> durationIn(v, Duration.ZERO, Duration.ofDays(30)),
            "A new consumer starts this long before the cutover, for publishers whose clocks run ahead.");
    public static final Key<Integer> INGEST_METRICS_PORT = key("ingest-metrics-port", "9464", v -> intIn(v, 0, 65535),
            "Port of the ingest's /metrics and /health (0 = off).");
    public static final Key<Duration> INDEX_HORIZON = key("index-horizon", "35d",
            v -> durationIn(v, Duration.ofDays(35), Duration.ofDays(3650)),
            "External ids idle this long leave the index (at least 35 days, beyond the 30-day stream retention).");
    public static final Key<Duration> MINUTE_RETENTION = key("minute-retention", "9d",
            v -> durationIn(v, Duration.ofDays(9), Duration.ofDays(3650)), "Minute buckets are kept this long.");
    public static final Key<Integer> BACKFILL_PARALLELISM = key("backfill-parallelism", "2", v -> intIn(v, 1, 64),
            "Days backfill computes at once, each in its own transaction and connection.");
    public static final Key<Integer> REJECT_LIMIT = key("reject-limit", "100000", v -> intIn(v, 100, 100_000_000),
            "Newest poison messages kept in the reject table.");
    public static final Key<String> HTTP_HOST = key("http-host", "0.0.0.0", Config::nonBlank,
            "Address the API listens on.");
    public static final Key<Integer> HTTP_PORT = key("http-port", "8882", v -> intIn(v, 0, 65535),
            "Port of the API and dashboard page.");
    public static final Key<Optional<String>> API_KEY = key("api-key", "", Config::optionalApiKey,
            "A static API key accepted besides Omni's api_keys (for standalone use; omni_sk_ + 32 alphanumerics).");
    public static final Key<Duration> API_KEY_CACHE_TTL = key("api-key-cache-ttl", "60s",
            v -> durationIn(v, Duration.ZERO, Duration.ofHours(1)), "How long a validated key is trusted.");
    public static final Key<Integer> RATE_LIMIT = key("rate-limit", "1000", v -> intIn(v, 1, 100_000_000),
            "Requests per key per 60 s window.");
    public static final Key<String> CORS_ORIGINS = key("cors-origins", "", v -> v.trim(),
            "Allowed CORS origins, comma-separated, or * (empty = none).");
    public static final Key<Duration> CACHE_TTL = key("cache-ttl", "0s",
            v -> durationIn(v, Duration.ZERO, Duration.ofMinutes(5)),
            "Response cache per distinct query (0 = off); correctness never depends on it.");
    public static final Key<Duration> LIVE_COUNT_REFRESH = key("live-count-refresh", "5s",
            v -> durationIn(v, Duration.ofMillis(100), Duration.ofMinutes(10)),
            "Refresh period of the cached live counts (dead letters, payloads, instances).");
    public static final Key<Duration> INGEST_STALL_THRESHOLD = key("ingest-stall-threshold", "60s",
            v -> durationIn(v, Duration.ofSeconds(5), Duration.ofHours(24)),
            "Health reports a stream's ingest as failing when messages wait and nothing was applied for this long.");
    public static final Key<Duration> SSE_METRICS_INTERVAL = key("sse-metrics-interval", "5s",
            v -> durationIn(v, Duration.ofMillis(500), Duration.ofMinutes(10)),
            "How often the live stream sends a metrics frame with the dashboard summary.");
    public static final Key<Duration> SSE_HEARTBEAT = key("sse-heartbeat", "15s",
            v -> durationIn(v, Duration.ofSeconds(1), Duration.ofMinutes(5)),
            "How often an idle live stream sends a heartbeat comment.");
    public static final Key<Integer> SSE_MAX_STREAMS_PER_KEY = key("sse-max-streams-per-key", "5",
            v -> intIn(v, 1, 10_000), "Concurrent live streams one API key may hold (429 beyond).");
    public static final Key<Integer> SSE_CLIENT_BUFFER = key("sse-client-buffer", "512",
            v -> intIn(v, 16, 100_000), "Frames buffered per live-stream client; a slower client loses frames, counted.");
    public static final Key<Duration> AUTOMATION_QUEUE_STALENESS = key("automation-queue-staleness", "2m",
            v -> durationIn(v, Duration.ofSeconds(1), Duration.ofDays(1)),
            "The automation engine counts as running while its newest queue snapshot is younger than this.");
    public static final Key<Duration> AUTOMATION_LOG_POLL = key("automation-log-poll", "1s",
            v -> durationIn(v, Duration.ofMillis(50), Duration.ofMinutes(10)),
            "How often the ingest reads the rows Omni added to automation_logs.");
    public static final Key<Duration> AUTOMATION_LOG_LOOKBACK = key("automation-log-lookback", "2m",
            v -> durationIn(v, Duration.ZERO, Duration.ofDays(1)),
            "How much older than the newest counted automation_logs row a row may still appear (a late commit).");
    public static final Key<Duration> AUTOMATION_DELETION_CHECK = key("automation-deletion-check", "10s",
            v -> durationIn(v, Duration.ofSeconds(1), Duration.ofHours(1)),
            "How often the ingest takes the counts of deleted automations out of the rollups.");
    public static final Key<Duration> BACKFILL_CUTOVER_SETTLE = key("backfill-cutover-settle", "2m",
            v -> durationIn(v, Duration.ZERO, Duration.ofDays(1)),
            "Backfill reads the day of the cutover only this long after the cutover (Omni stores late what was in flight).");

    private final Map<String, Object> values;
    private final Map<String, String> sources;

    private Config(Map<String, Object> values, Map<String, String> sources) {
        this.values = values;
        this.sources = sources;
    }

    /** The value of a key. */
    @SuppressWarnings("unchecked")
    public <T> T get(Key<T> key) {
        return (T) values.get(key.name());
    }

    /** Where the value of a key came from: {@code default}, the YAML file, or an environment variable. */
    public String sourceOf(Key<?> key) {
        return sources.get(key.name());
    }

    /** A copy with some keys set (as if from the YAML file); used by tests and the demo. */
    public Config with(Map<String, String> overrides) {
        Map<String, String> raw = new LinkedHashMap<>();
        for (Key<?> key : KEYS) {
            raw.put(key.name(), rawOf(key));
        }
        raw.putAll(overrides);
        return load(raw, "overrides", Map.of());
    }

    private String rawOf(Key<?> key) {
        Object value = values.get(key.name());
        return switch (value) {
            case Optional<?> optional -> optional.map(String::valueOf).orElse("");
            case Duration duration -> duration.toMillis() + "ms";
            default -> String.valueOf(value);
        };
    }

    /** Defaults only. */
    public static Config defaults() {
        return load(Map.of(), "defaults", Map.of());
    }

    /**
     * Reads the YAML file (when given) and the environment.
     *
     * @throws ConfigException naming the key, its source and the fix
     */
    public static Config load(Optional<Path> yaml, Map<String, String> environment) {
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
        return load(fromFile, fileName, environment);
    }

    static Config load(Map<String, String> file, String fileName, Map<String, String> environment) {
        Map<String, Key<?>> known = new LinkedHashMap<>();
        KEYS.forEach(key -> known.put(key.name(), key));
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
        for (Key<?> key : KEYS) {
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
        return new Config(Collections.unmodifiableMap(values), Collections.unmodifiableMap(sources));
    }

    /** A configuration key. */
    public record Key<T>(String name, String defaultValue, Function<String, T> parser, String description) {
        /** {@code OMNI_ROLLUP_} and the name in upper snake case. */
        public String environmentVariable() {
            return "OMNI_ROLLUP_" + name.toUpperCase(Locale.ROOT).replace('-', '_');
        }
    }

    /** The configuration is invalid; the message names the key and the fix. */
    public static final class ConfigException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public ConfigException(String message) {
            super(message);
        }
    }

    private static <T> Key<T> key(String name, String defaultValue, Function<String, T> parser, String description) {
        Key<T> key = new Key<>(name, defaultValue, parser, description);
        KEYS.add(key);
        return key;
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

    private static String suggestion(String name, Map<String, Key<?>> known) {
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

    static int intIn(String value, int min, int max) {
        int parsed;
        try {
            parsed = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + value + "' is not a whole number");
        }
        if (parsed < min || parsed > max) {
            throw new IllegalArgumentException(parsed + " is outside " + min + " .. " + max);
        }
        return parsed;
    }

    /** Accepts {@code 250ms}, {@code 30s}, {@code 2m}, {@code 24h}, {@code 35d} and ISO-8601 ({@code PT2M}). */
    static Duration duration(String value) {
        String text = value.trim().toLowerCase(Locale.ROOT);
        try {
            if (text.startsWith("p")) {
                return Duration.parse(text.toUpperCase(Locale.ROOT));
            }
            int split = 0;
            while (split < text.length() && Character.isDigit(text.charAt(split))) {
                split++;
            }
            long amount = Long.parseLong(text.substring(0, split));
            return switch (text.substring(split)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                case "d" -> Duration.ofDays(amount);
                default -> throw new IllegalArgumentException("bad unit");
            };
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("'" + value + "' is not a duration (e.g. 250ms, 30s, 2m, 24h, 35d)");
        }
    }

    static Duration durationIn(String value, Duration min, Duration max) {
        Duration parsed = duration(value);
        if (parsed.compareTo(min) < 0 || parsed.compareTo(max) > 0) {
            throw new IllegalArgumentException(value + " is outside " + min + " .. " + max);
        }
        return parsed;
    }

    private static Optional<String> optionalDatabaseUrl(String value) {
        if (value.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(DatabaseUrl.toJdbc(value.trim()));
    }

    private static Optional<Instant> optionalInstant(String value) {
        if (value.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(value.trim()));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'" + value + "' is not an ISO-8601 instant like 2026-01-01T00:00:00Z");
        }
    }

    private static Optional<String> optionalApiKey(String value) {
        if (value.isBlank()) {
            return Optional.empty();
        }
        if (!value.matches("omni_sk_[A-Za-z0-9]{32}")) {
            throw new IllegalArgumentException("must be omni_sk_ followed by 32 letters or digits");
        }
        return Optional.of(value);
    }

    private static String identifier(String value) {
        if (!value.matches("[a-z_][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("'" + value + "' is not a lower-case SQL identifier");
        }
        return value;
    }

    private static String natsUrl(String value) {
        for (String url : value.split(",")) {
            if (!url.trim().matches("(nats|tls|ws|wss)://[^\\s/]+(:\\d+)?/?")) {
                throw new IllegalArgumentException("'" + url.trim() + "' is not a nats://host:port URL");
            }
        }
        return value.trim();
    }

    private static String subjectPrefix(String value) {
        if (!value.isEmpty() && !value.matches("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*\\.")) {
            throw new IllegalArgumentException("'" + value + "' must be subject tokens ending with a dot, e.g. 'tenant1.'");
        }
        return value;
    }

    private static String streamName(String value) {
        if (!value.matches("[A-Za-z0-9_-]{1,64}")) {
            throw new IllegalArgumentException("'" + value + "' may only hold letters, digits, _ and -");
        }
        return value;
    }

    private static String nonBlank(String value) {
        if (value.isBlank()) {
            throw new IllegalArgumentException("must not be empty");
        }
        return value.trim();
    }
}
