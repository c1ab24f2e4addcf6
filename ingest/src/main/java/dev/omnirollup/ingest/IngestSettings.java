package dev.omnirollup.ingest;

import dev.omnirollup.store.Config;
import dev.omnirollup.store.Setting;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The settings of the ingest: batching, the consumers, the cutover, its metrics port, the reject table's size and
 * the tail of {@code automation_logs}. Immutable.
 *
 * @param cutover the cutover to record on first start instead of the start time
 */
public record IngestSettings(int batchSize, Duration batchWait, int maxAckPending, Duration ackWait,
                             Optional<Instant> cutover, Duration startMargin, int metricsPort,
                             int rejectLimit, Duration automationLogPoll, Duration automationLogLookback,
                             Duration automationDeletionCheck, boolean singleActive, boolean ackAll) {

    public static final Setting<Integer> BATCH_SIZE = new Setting<>("ingest-batch-size", "20000",
            Setting.intIn(1, 50_000), "Most messages folded into one transaction (a larger batch writes each rollup "
            + "row it touches once for more events: at 500 instances 20 000 ran 1.3× faster than 10 000).");
    public static final Setting<Duration> BATCH_WAIT = new Setting<>("ingest-batch-wait", "50ms",
            Setting.durationIn(Duration.ofMillis(1), Duration.ofSeconds(30)),
            "Longest wait for a batch to fill before it is applied.");
    public static final Setting<Integer> MAX_ACK_PENDING = new Setting<>("ingest-max-ack-pending", "40000",
            Setting.intIn(1, 1_000_000), "Most unacknowledged messages per consumer (at least twice "
            + "`ingest-batch-size`, so that the next batch is fetched while one commits; applied to an existing "
            + "consumer on start).");
    public static final Setting<Duration> ACK_WAIT = new Setting<>("ingest-ack-wait", "30s",
            Setting.durationIn(Duration.ofSeconds(1), Duration.ofHours(1)),
            "Time before NATS redelivers an unacknowledged message.");
    public static final Setting<Optional<Instant>> CUTOVER = new Setting<>("ingest-cutover", "",
            Setting::optionalInstant,
            "Cutover instant to record on first start instead of the start time (ISO-8601, e.g. 2026-01-01T00:00:00Z).");
    public static final Setting<Duration> START_MARGIN = new Setting<>("ingest-start-margin", "1h",
            Setting.durationIn(Duration.ZERO, Duration.ofDays(30)),
            "A new consumer starts this long before the cutover, for publishers whose clocks run ahead.");
    public static final Setting<Integer> METRICS_PORT = new Setting<>("ingest-metrics-port", "9464",
            Setting.intIn(0, 65535), "Port of the ingest's /metrics and /health (0 = off).");
    public static final Setting<Integer> REJECT_LIMIT = new Setting<>("reject-limit", "100000",
            Setting.intIn(100, 100_000_000), "Newest poison messages kept in the reject table.");
    public static final Setting<Duration> AUTOMATION_LOG_POLL = new Setting<>("automation-log-poll", "1s",
            Setting.durationIn(Duration.ofMillis(50), Duration.ofMinutes(10)),
            "How often the ingest reads the rows Omni added to automation_logs.");
    public static final Setting<Duration> AUTOMATION_LOG_LOOKBACK = new Setting<>("automation-log-lookback", "2m",
            Setting.durationIn(Duration.ZERO, Duration.ofDays(1)),
            "How much older than the newest counted automation_logs row a row may still appear (a late commit).");
    public static final Setting<Duration> AUTOMATION_DELETION_CHECK = new Setting<>("automation-deletion-check",
            "10s", Setting.durationIn(Duration.ofSeconds(1), Duration.ofHours(1)),
            "How often the ingest takes the counts of deleted automations out of the rollups.");

    public static final Setting<Boolean> SINGLE_ACTIVE = new Setting<>("ingest-single-active", "true",
            Setting::bool, "One ingest process consumes a partition at a time (a PostgreSQL advisory lock); the others"
            + " stand by and one takes over within a second of its end. false: every process consumes every"
            + " partition at once, which is exactly once too but slower (their batches wait for each other's row"
            + " locks, and the database merges every breakdown map: no process is the only writer of a row); either"
            + " way a process takes no partition while one with another ingest-partitions runs.");
    public static final Setting<Boolean> ACK_ALL = new Setting<>("ingest-ack-all", "true", Setting::bool,
            "A new consumer of one partition acknowledges cumulatively (JetStream's AckAll): one acknowledgement per"
            + " batch, only as far as every message below it is applied, instead of one per message (a third less of the"
            + " NATS server's work per message). A consumer keeps the policy it was created with; partitioned consumers"
            + " acknowledge each message.");


    /** Every setting of this record, in the order the README documents them. */
    public static final List<Setting<?>> SETTINGS = List.of(BATCH_SIZE, BATCH_WAIT, MAX_ACK_PENDING, ACK_WAIT,
            CUTOVER, START_MARGIN, METRICS_PORT, REJECT_LIMIT, AUTOMATION_LOG_POLL,
            AUTOMATION_LOG_LOOKBACK, AUTOMATION_DELETION_CHECK, SINGLE_ACTIVE, ACK_ALL);


    public static IngestSettings from(Config config) {
        return new IngestSettings(config.get(BATCH_SIZE), config.get(BATCH_WAIT), config.get(MAX_ACK_PENDING),
                config.get(ACK_WAIT), config.get(CUTOVER), config.get(START_MARGIN),
                config.get(METRICS_PORT), config.get(REJECT_LIMIT), config.get(AUTOMATION_LOG_POLL),
                config.get(AUTOMATION_LOG_LOOKBACK), config.get(AUTOMATION_DELETION_CHECK), config.get(SINGLE_ACTIVE),
                config.get(ACK_ALL));
    }
}
