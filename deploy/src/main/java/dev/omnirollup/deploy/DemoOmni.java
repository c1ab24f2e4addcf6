package dev.omnirollup.deploy;

import dev.omnirollup.sim.Instance;
import dev.omnirollup.sim.OmniEvent;
import dev.omnirollup.sim.OmniSchema;
import dev.omnirollup.sim.ReferencePersistence;
import dev.omnirollup.sim.TrafficGenerator;
import dev.omnirollup.store.RootCause;
import dev.omnirollup.store.Setting;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.postgres.PostgresPlugin;

/**
 * The demo's stand-in for an Omni database: Omni's tables (the same DDL as {@code deploy/sql/omni-schema.sql}), the
 * instances, an API key, some dead letters and stored payloads, and a history of events written with upstream's
 * persistence rules. Writes Omni's tables, so it only ever runs against a database that holds no Omni data.
 *
 * <p>Statements are constant text; Omni's schema is the Jdbi define {@code <omni>}, set once from the validated
 * {@code omni-schema}, and every handle works in it ({@code search_path}), as omni-sim's writers expect.
 */
final class DemoOmni {
    private static final String ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private static final String UTC = "SET TIME ZONE 'UTC'";
    private static final String SEARCH_PATH = "SET search_path TO <omni>";
    private static final String CREATE_SCHEMA = "CREATE SCHEMA IF NOT EXISTS <omni>";
    /** Whether Omni's events table and omni-rollup's settings table exist, by their quoted names (bound). */
    private static final String EXISTING_TABLES =
            "SELECT to_regclass(:events) IS NOT NULL AS events, to_regclass(:settings) IS NOT NULL AS settings";
    private static final String HAS_EVENTS = "SELECT EXISTS (SELECT 1 FROM omni_events)";
    private static final String INSERT_KEY = "INSERT INTO api_keys (name, description, key_prefix, key_hash, scopes)"
            + " VALUES ('omni-rollup demo', 'created by omni-rollup demo', :prefix, :hash, ARRAY['*'])";
    private static final String INSERT_DEAD_LETTER = "INSERT INTO dead_letter_events (event_id, event_type, subject,"
            + " payload, error, auto_retry_count, status, created_at) VALUES (:event_id, 'message.received',"
            + " 'message.received.whatsapp-baileys', '{}'::jsonb, :error, :retries, :status, :created_at)";
    private static final String INSERT_PAYLOAD = "INSERT INTO event_payloads (event_id, event_type, stage,"
            + " payload_compressed, payload_size_original, payload_size_compressed, \"timestamp\")"
            + " VALUES (:event_id, 'message.received', :stage, 'H4sIAAAAAAAAA6tWKkktLlGyUlAqS8wpTVWqBQBSqU1uEgAAAA==',"
            + " :size, 56, :at)";

    private final String schema;
    private final Jdbi jdbi;

    /** @param schema Omni's schema, a lower-case SQL identifier (refused otherwise: it becomes statement text) */
    DemoOmni(String jdbcUrl, String schema) {
        this.schema = Setting.identifier(schema);
        this.jdbi = Jdbi.create(jdbcUrl).installPlugin(new PostgresPlugin()).define("omni", '"' + schema + '"');
    }

    /** A handle on a new connection, in UTC and in Omni's schema; the caller closes it. */
    Handle open() {
        Handle handle = jdbi.open();
        try {
            handle.execute(UTC);
            handle.execute(SEARCH_PATH);
            return handle;
        } catch (JdbiException e) {
            handle.close();
            throw e;
        }
    }

    /**
     * Refuses a database that holds Omni data or an earlier omni-rollup state: the demo writes simulated traffic into
     * Omni's tables and records its own cutover.
     */
    void requireEmpty(String rollupSchema) {
        String reason = null;
        try (Handle handle = open()) {
            boolean[] existing = handle.createQuery(EXISTING_TABLES)
                    .bind("events", '"' + schema + "\".omni_events")
                    .bind("settings", '"' + rollupSchema + "\".settings")
                    .map((rs, ctx) -> new boolean[] {rs.getBoolean("events"), rs.getBoolean("settings")}).one();
            if (existing[0] && handle.createQuery(HAS_EVENTS).mapTo(Boolean.class).one()) {
                reason = "its table " + schema + ".omni_events holds rows";
            } else if (existing[1]) {
                reason = "it already holds omni-rollup's schema '" + rollupSchema + "'";
            }
        } catch (JdbiException e) {
            throw new Failure(Failure.UNAVAILABLE, "checking the demo database failed: " + RootCause.message(e), "", e);
        }
        if (reason != null) {
            throw new Failure(Failure.INVALID, "the demo needs an empty database, but " + reason,
                    "point database-url at a new, empty database, or leave it unset for the embedded PostgreSQL "
                            + "(the demo writes simulated Omni traffic)");
        }
    }

    /** Creates Omni's tables and the instances; returns the API key to print (a new one unless configured). */
    String prepare(List<Instance> instances, Optional<String> staticKey) {
        jdbi.useHandle(handle -> handle.execute(CREATE_SCHEMA));
        try (Handle handle = open()) {
            OmniSchema.create(handle);
            new ReferencePersistence(handle).ensureInstances(instances);
            if (staticKey.isPresent()) {
                return staticKey.get();
            }
            String key = newKey();
            handle.createUpdate(INSERT_KEY).bind("prefix", key.substring(0, 12)).bind("hash", sha256Hex(key))
                    .execute();
            return key;
        }
    }

    /** Writes {@code count} events over {@code [end - span, end)} into Omni's tables as upstream would. */
    ReferencePersistence.Stats writeHistory(long seed, List<Instance> instances, Instant end, Duration span,
                                            int count) {
        List<OmniEvent> events = TrafficGenerator.generate(TrafficGenerator.Config.of(seed, end, span, count,
                instances));
        try (Handle handle = open()) {
            ReferencePersistence persistence = new ReferencePersistence(handle);
            ReferencePersistence.Stats total = new ReferencePersistence.Stats(0, 0, 0, 0, 0, 0);
            for (int from = 0; from < events.size(); from += 5_000) {
                ReferencePersistence.Stats stats = persistence.apply(events.subList(from,
                        Math.min(events.size(), from + 5_000)));
                total = new ReferencePersistence.Stats(total.inserted() + stats.inserted(),
                        total.updated() + stats.updated(), total.skipped() + stats.skipped(),
                        total.lost() + stats.lost(), total.automationLogs() + stats.automationLogs(),
                        total.instanceUpdates() + stats.instanceUpdates());
            }
            writeDeadLettersAndPayloads(handle, seed, end, span);
            return total;
        }
    }

    /** A few dead letters in every status and some stored payloads, as Omni's DLQ and payload store would hold. */
    private static void writeDeadLettersAndPayloads(Handle handle, long seed, Instant end, Duration span) {
        SplittableRandom random = new SplittableRandom(seed ^ 0xDEADL);
        String[] statuses = {"pending", "pending", "pending", "retrying", "retrying", "resolved", "resolved",
            "resolved", "resolved", "abandoned"};
        String[] errors = {"Connection closed by remote host", "Timeout after 30000ms", "Rate limited (429)",
            "Instance not connected"};
        PreparedBatch deadLetters = handle.prepareBatch(INSERT_DEAD_LETTER);
        for (int i = 0; i < statuses.length * 2; i++) {
            deadLetters.bind("event_id", TrafficGenerator.uuid(random).toString())
                    .bind("error", errors[i % errors.length]).bind("retries", random.nextInt(4))
                    .bind("status", statuses[i % statuses.length])
                    .bind("created_at", utc(end.minusMillis(random.nextLong(span.toMillis())))).add();
        }
        deadLetters.execute();
        String[] stages = {"webhook_raw", "agent_request", "agent_response", "channel_send", "error"};
        PreparedBatch payloads = handle.prepareBatch(INSERT_PAYLOAD);
        for (int i = 0; i < 60; i++) {
            payloads.bind("event_id", TrafficGenerator.uuid(random).toString()).bind("stage", stages[i % stages.length])
                    .bind("size", 200 + random.nextInt(4000))
                    .bind("at", utc(end.minusMillis(random.nextLong(span.toMillis())))).add();
        }
        payloads.execute();
    }

    static String newKey() {
        SecureRandom random = new SecureRandom();
        StringBuilder key = new StringBuilder("omni_sk_");
        for (int i = 0; i < 32; i++) {
            key.append(ALPHANUMERIC.charAt(random.nextInt(ALPHANUMERIC.length())));
        }
        return key.toString();
    }

    static String sha256Hex(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static LocalDateTime utc(Instant instant) {
        return LocalDateTime.ofInstant(instant, ZoneOffset.UTC);
    }
}
