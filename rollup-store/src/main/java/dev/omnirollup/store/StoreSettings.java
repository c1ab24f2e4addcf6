package dev.omnirollup.store;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * The settings of the rollup store and of what every process shares: the database, the schemas, NATS and its
 * streams, the retention of minute buckets and of the external-id index, and backfill's. Immutable.
 *
 * @param databaseUrl   the JDBC URL of {@code database-url}, when set
 * @param consumer      the durable consumer every ingest worker shares (health reads its lag too); with partitions,
 *                      the base of their consumers' names ({@link #consumers})
 * @param partitions    how many ingest partitions each stream is cut into
 * @param maxEventBytes the decoder's limit: larger bodies are poison
 */
public record StoreSettings(Optional<String> databaseUrl, int poolSize, String rollupSchema, String omniSchema,
                            String natsUrl, String subjectPrefix, String messageStream, String automationStream,
                            String consumer, int partitions, int maxEventBytes, Duration minuteRetention, Duration indexHorizon, int backfillParallelism,
                            Duration backfillCutoverSettle) {

    public static final Setting<Optional<String>> DATABASE_URL = new Setting<>("database-url", "",
            StoreSettings::optionalDatabaseUrl,
            "PostgreSQL holding Omni's tables (postgres://user:pass@host:port/db or jdbc:postgresql://…). "
                    + "Required by serve, ingest, all, backfill and verify; demo starts an embedded PostgreSQL without it.");
    public static final Setting<Integer> DATABASE_POOL_SIZE = new Setting<>("database-pool-size", "10",
            Setting.intIn(1, 200), "Connections per pool: one pool per process, and a second for the API in all and demo.");
    public static final Setting<String> ROLLUP_SCHEMA = new Setting<>("rollup-schema", "rollup", Setting::identifier,
            "Schema of omni-rollup's own tables (created and migrated by omni-rollup).");
    public static final Setting<String> OMNI_SCHEMA = new Setting<>("omni-schema", "public", Setting::identifier,
            "Schema of Omni's tables (read only).");
    public static final Setting<String> NATS_URL = new Setting<>("nats-url", "nats://127.0.0.1:4222",
            StoreSettings::natsUrl, "NATS server(s), comma-separated.");
    public static final Setting<String> NATS_SUBJECT_PREFIX = new Setting<>("nats-subject-prefix", "",
            StoreSettings::subjectPrefix,
            "Prefix in front of Omni's subjects (empty for Omni; tests use one to share a server).");
    public static final Setting<String> MESSAGE_STREAM = new Setting<>("message-stream", "MESSAGE",
            StoreSettings::streamName, "JetStream stream of message.> events (created with upstream's settings if missing).");
    public static final Setting<String> AUTOMATION_STREAM = new Setting<>("automation-stream", "AUTOMATION",
            StoreSettings::streamName, "JetStream stream of automation.> events (created if missing).");
    public static final Setting<String> INGEST_CONSUMER = new Setting<>("ingest-consumer", "omni-rollup",
            StoreSettings::streamName, "Durable consumer name on both streams; every ingest worker uses the same one.");
    public static final Setting<Integer> PARTITIONS = new Setting<>("ingest-partitions", "1",
            Setting.intIn(1, Partitioning.MAX_PARTITIONS), "How many partitions each stream is cut into (by external"
            + " id), shared out among the ingest processes: each has its own consumer, exactly-once record and rows,"
            + " so workers of different partitions never wait for each other. Each partition reads the whole stream"
            + " and applies its share, so more partitions cost CPU: worth it when database round trips, not this"
            + " host's cores, bound the ingest. Every process must have the same value (one with another value takes"
            + " no partition while the others run).");
    public static final Setting<Integer> MAX_EVENT_BYTES = new Setting<>("ingest-max-event-bytes", "1048576",
            Setting.intIn(1024, 64 * 1024 * 1024),
            "Bodies larger than this are rejected as poison (by the ingest; the live stream skips them).");
    public static final Setting<Duration> INDEX_HORIZON = new Setting<>("index-horizon", "35d",
            Setting.durationIn(Duration.ofDays(35), Duration.ofDays(3650)),
            "External ids idle this long leave the index (at least 35 days, beyond the 30-day stream retention).");
    public static final Setting<Duration> MINUTE_RETENTION = new Setting<>("minute-retention", "9d",
            Setting.durationIn(Duration.ofDays(9), Duration.ofDays(3650)), "Minute buckets are kept this long.");
    public static final Setting<Integer> BACKFILL_PARALLELISM = new Setting<>("backfill-parallelism", "2",
            Setting.intIn(1, 64), "Days backfill computes at once, each in its own transaction and connection.");
    public static final Setting<Duration> BACKFILL_CUTOVER_SETTLE = new Setting<>("backfill-cutover-settle", "2m",
            Setting.durationIn(Duration.ZERO, Duration.ofDays(1)),
            "Backfill reads the day of the cutover only this long after the cutover (Omni stores late what was in flight).");

    /** Every setting of this record, in the order the README documents them. */
    public static final List<Setting<?>> SETTINGS = List.of(DATABASE_URL, DATABASE_POOL_SIZE, ROLLUP_SCHEMA,
            OMNI_SCHEMA, NATS_URL, NATS_SUBJECT_PREFIX, MESSAGE_STREAM, AUTOMATION_STREAM, INGEST_CONSUMER,
            PARTITIONS, MAX_EVENT_BYTES, INDEX_HORIZON, MINUTE_RETENTION, BACKFILL_PARALLELISM, BACKFILL_CUTOVER_SETTLE);

    public static StoreSettings from(Config config) {
        return new StoreSettings(config.get(DATABASE_URL), config.get(DATABASE_POOL_SIZE), config.get(ROLLUP_SCHEMA),
                config.get(OMNI_SCHEMA), config.get(NATS_URL), config.get(NATS_SUBJECT_PREFIX),
                config.get(MESSAGE_STREAM), config.get(AUTOMATION_STREAM), config.get(INGEST_CONSUMER),
                config.get(PARTITIONS), config.get(MAX_EVENT_BYTES), config.get(MINUTE_RETENTION), config.get(INDEX_HORIZON), config.get(BACKFILL_PARALLELISM),
                config.get(BACKFILL_CUTOVER_SETTLE));
    }

    /** The durable consumers of the ingest partitions, by partition. */
    public List<String> consumers() {
        return consumerNames(consumer, partitions);
    }

    /** The durable consumers of {@code partitions} partitions named after {@code durable}, by partition. */
    public static List<String> consumerNames(String durable, int partitions) {
        return IntStream.range(0, partitions).mapToObj(p -> consumerName(durable, partitions, p)).toList();
    }

    /**
     * The durable consumer of a partition: the configured name when the stream is not partitioned, else the name
     * with {@code -p<partition>of<partitions>}, so that every number of partitions has consumers of its own.
     */
    public static String consumerName(String durable, int partitions, int partition) {
        return partitions == 1 ? durable : durable + "-p" + partition + "of" + partitions;
    }

    /** The defaults. */
    public static StoreSettings defaults() {
        return from(Config.defaults(SETTINGS));
    }

    private static Optional<String> optionalDatabaseUrl(String value) {
        if (value.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(DatabaseUrl.toJdbc(value.trim()));
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
}
