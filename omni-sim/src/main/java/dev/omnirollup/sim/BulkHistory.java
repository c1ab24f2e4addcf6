package dev.omnirollup.sim;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntToLongFunction;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.postgres.PostgresPlugin;

/**
 * Fills {@code omni_events} and {@code automation_logs} fast with realistic history for benchmarks and backfill
 * tests: server-side {@code INSERT ... SELECT ... FROM generate_series(...)} in chunks on parallel connections.
 *
 * <p>Distribution: {@link Options#instances()} instances (created first) over the five channels, busier and quieter
 * ones; about 1 % of rows without instance; event types received 45 %, sent 33 %, failed 7 %, delivered 10 %, read 5 %
 * with upstream's direction and status (a few received rows flipped to completed); the nine storable content types and
 * NULLs on received/sent rows; the channel's error codes (20 distinct stages) on WhatsApp and Discord failures and NULL
 * on the others; unique external ids (NULL on most failures); {@code received_at} over {@code [from, to)} denser
 * towards {@code to} (2 % in the last hour, 12 % in the last day, millisecond precision) or, with
 * {@link Spread#EVEN}, evenly (one event every span / events, so every minute holds events when there are at least as
 * many events as minutes), and ascending in insertion order, as in a real append-only table;
 * {@code processing_time_ms} / {@code agent_latency_ms} NULL unless {@link Options#latencyFraction()} is positive.
 * Not deterministic (uses the server's {@code random()}). Stateless and thread-safe.
 *
 * <p>Speed: when at least as many rows are added as a table holds, its plain secondary indexes are dropped for the
 * load and rebuilt afterwards (also when the load fails); per-row foreign-key checks are skipped when the user may
 * set {@code session_replication_role} (the referenced rows are created first). The tables are analyzed at the end.
 * Do not run it against a live Omni database.
 *
 * <p>Every statement is constant text. Dropping and rebuilding an index names it, so those two statements take the
 * index, table and column as Jdbi defines: only an index whose definition is exactly {@code CREATE INDEX <index> ON
 * <schema>.<table> USING btree (<column>)} (as every one of Omni's is) and whose names are plain lower-case
 * identifiers is dropped, so that the constant {@code CREATE INDEX} rebuilds it as it was; any other index stays
 * in place during the load.
 */
public final class BulkHistory {

    private static final String[] CHANNEL_MIX = {"whatsapp-baileys", "whatsapp-baileys", "discord", "telegram",
        "whatsapp-baileys", "discord", "telegram", "slack", "whatsapp-cloud", "whatsapp-baileys"};

    /** Rows per pattern: each pattern row is reused once per block of this many events. */
    public static final int PATTERN_ROWS = 65_536;

    /**
     * A per-session table of {@value #PATTERN_ROWS} random rows with every expensive column precomputed: the bulk
     * insert then only adds what must be unique per row (id, external id, a shifted timestamp).
     */
    private static final String CREATE_PATTERN = """
            CREATE TEMP TABLE bulk_pattern AS
            SELECT k, chan, CASE WHEN noinst THEN NULL ELSE inst END AS inst, kind,
                   CASE WHEN kind = 'message.received' THEN 'inbound' ELSE 'outbound' END AS dir,
                   ct,
                   CASE WHEN ct = 'text' THEN 'message ' || k END AS txt,
                   'chat-' || (misc * 4000)::int AS chat,
                   CASE WHEN kind = 'message.received' THEN CASE WHEN misc < 0.06 THEN 'completed' ELSE 'received' END
                        WHEN kind = 'message.failed' THEN 'failed' ELSE 'completed' END AS status,
                   CASE WHEN kind = 'message.failed' THEN 'Failed to send message' END AS em,
                   CASE WHEN kind = 'message.failed' THEN
                        CASE WHEN chan LIKE 'whatsapp%' THEN stages[1 + (misc * 9)::int % 9]
                             WHEN chan = 'discord' THEN stages[10 + (misc * 11)::int % 11] END END AS es,
                   kind = 'message.failed' AND misc < 0.8 AS no_ext,
                   kind = 'message.sent' AS is_sent, kind = 'message.delivered' AS is_delivered,
                   kind = 'message.read' AS is_read,
                   CASE WHEN lat < :latency THEN 20 + (lat2 * lat2 * 4000)::int END AS pt,
                   CASE WHEN lat < :latency THEN 200 + (lat2 * 9000)::int END AS al
              FROM (SELECT k, ids[idx] AS inst, chans[idx] AS chan, noinst, stages, kind, misc, lat, lat2,
                           CASE WHEN kind = 'message.received' THEN
                                CASE WHEN c < 0.52 THEN 'text' WHEN c < 0.62 THEN 'image' WHEN c < 0.69 THEN 'audio'
                                     WHEN c < 0.72 THEN 'video' WHEN c < 0.75 THEN 'document'
                                     WHEN c < 0.79 THEN 'sticker' WHEN c < 0.80 THEN 'contact'
                                     WHEN c < 0.81 THEN 'location' WHEN c < 0.90 THEN 'reaction' END
                                WHEN kind = 'message.sent' THEN
                                CASE WHEN c < 0.80 THEN 'text' WHEN c < 0.88 THEN 'image' WHEN c < 0.92 THEN 'document'
                                     WHEN c < 0.95 THEN 'audio' WHEN c < 0.97 THEN 'video' WHEN c < 0.98 THEN 'sticker'
                                     WHEN c < 0.99 THEN 'location' END END AS ct
                      FROM (SELECT k, random() AS c, random() AS misc, random() AS lat,
                                   random() AS lat2, random() < 0.01 AS noinst,
                                   1 + (power(random(), 1.8) * :instances)::int % :instances AS idx,
                                   CASE WHEN x < 0.45 THEN 'message.received' WHEN x < 0.78 THEN 'message.sent'
                                        WHEN x < 0.85 THEN 'message.failed' WHEN x < 0.95 THEN 'message.delivered'
                                        ELSE 'message.read' END AS kind
                              FROM (SELECT k, random() AS x FROM generate_series(0, 65535) k) raw) r,
                           (SELECT :ids::uuid[] AS ids, :channels::text[] AS chans, :stages::text[] AS stages) p
                   ) s
            """;

    /**
     * Block r of the pattern becomes events g = r * 65536 + k. Time grows with g (so the heap is in time order, as a
     * real, append-only {@code omni_events} is): u = g / N maps to an age before {@code to} that falls from the span
     * to one day as a power curve for u < u1, linearly from one day to one hour for u < u2, and through the last hour
     * for the rest.
     */
    private static final String INSERT_EVENTS = """
            INSERT INTO omni_events (id, external_id, channel, instance_id, event_type, direction, content_type,
                text_content, chat_id, status, error_message, error_stage, received_at, processed_at, delivered_at,
                read_at, processing_time_ms, agent_latency_ms)
            SELECT (:id_prefix || lpad(to_hex(g), 12, '0'))::uuid,
                   CASE WHEN no_ext THEN NULL ELSE :external_prefix || lpad(g::text, 12, '0') END,
                   chan, inst, kind, dir, ct, txt, chat, status, em, es, ts,
                   CASE WHEN is_sent THEN ts END, CASE WHEN is_delivered THEN ts END, CASE WHEN is_read THEN ts END,
                   pt, al
              FROM (SELECT p.*, :end::timestamp - (CASE
                           WHEN u < :u1::float8 THEN :day::float8 + (:span::float8 - :day::float8) * power(1 - u / :u1::float8, 1.5)
                           WHEN u < :u2::float8 THEN :hour::float8 + (:day::float8 - :hour::float8) * (1 - (u - :u1::float8) / (:u2::float8 - :u1::float8))
                           ELSE :hour::float8 * (1 - (u - :u2::float8) / (1 - :u2::float8)) END)::bigint * interval '1 millisecond' AS ts
                      FROM (SELECT r * 65536 + p.k AS g, (r * 65536 + p.k + 0.5::float8) / :events_real::float8 AS u, p.*
                              FROM generate_series(:first_block::bigint, :last_block::bigint) r, bulk_pattern p
                             WHERE r * 65536 + p.k < :events
                            OFFSET 0) p
                    OFFSET 0) s
            """;

    private static final String INSERT_LOGS = """
            INSERT INTO automation_logs (id, automation_id, event_id, status, conditions_matched, actions_executed,
                error, execution_time_ms, created_at)
            SELECT (:id_prefix || lpad(to_hex(g), 12, '0'))::uuid,
                   autos[1 + (a * array_length(autos, 1))::int % array_length(autos, 1)],
                   :event_prefix || lpad(to_hex(g), 12, '0'), status, status <> 'skipped',
                   CASE WHEN status = 'skipped' THEN acts[1]
                        WHEN status = 'failed' THEN acts[6 + (b * 3)::int % 3]
                        ELSE acts[2 + (b * 4)::int % 4] END,
                   CASE WHEN status = 'failed' THEN 'Webhook returned 502 Bad Gateway' END,
                   CASE WHEN status = 'skipped' THEN 1 WHEN b < 0.05 THEN NULL ELSE 5 + (b * b * 3000)::int END,
                   date_trunc('milliseconds', :end::timestamp - make_interval(secs => :span_seconds * CASE
                        WHEN :even::boolean THEN t
                        WHEN t < 0.02 THEN t / 0.02 * least(1, 3600 / :span_seconds)
                        WHEN t < 0.12 THEN (t - 0.02) / 0.10 * least(1, 86400 / :span_seconds)
                        ELSE power((t - 0.12) / 0.88, 1.5) END))
              FROM (SELECT g, random() AS a, random() AS b, random() AS t,
                           CASE WHEN random() < 0.75 THEN 'success' WHEN random() < 0.6 THEN 'failed'
                                ELSE 'skipped' END AS status
                      FROM generate_series(:first::bigint, :last::bigint) g) r,
                   (SELECT :automations::uuid[] AS autos, :actions::jsonb[] AS acts) p
            """;

    private static final String INSERT_INSTANCE =
            "INSERT INTO instances (id, name, channel, is_active) VALUES (:id, :name, :channel, :active)";
    private static final String INSERT_AUTOMATION = "INSERT INTO automations (id, name, trigger_event_type, actions)"
            + " VALUES (:id, :name, 'message.received', :actions::jsonb)";
    private static final String ESTIMATED_ROWS =
            "SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = to_regclass(:table)";
    /**
     * The indexes of {@code :table} that back no constraint and are plain single-column btree indexes, exactly as
     * {@link #CREATE_INDEX} creates them.
     */
    private static final String PLAIN_SECONDARY_INDEXES = """
            SELECT n.nspname, t.relname, c.relname, a.attname
              FROM pg_index i
              JOIN pg_class c ON c.oid = i.indexrelid
              JOIN pg_class t ON t.oid = i.indrelid
              JOIN pg_namespace n ON n.oid = t.relnamespace
              JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
             WHERE i.indrelid = to_regclass(:table)
               AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
               AND pg_get_indexdef(i.indexrelid)
                   = format('CREATE INDEX %I ON %I.%I USING btree (%I)', c.relname, n.nspname, t.relname, a.attname)
             ORDER BY c.relname""";
    private static final String DROP_INDEX = "DROP INDEX IF EXISTS <schema>.<index>";
    private static final String CREATE_INDEX =
            "CREATE INDEX IF NOT EXISTS <index> ON <schema>.<table> USING btree (<column>)";
    private static final String ASYNC_COMMIT = "SET synchronous_commit = off";
    private static final String NO_TRIGGERS = "SET session_replication_role = replica";
    private static final String INDEX_MEMORY = "SET maintenance_work_mem = '1GB'";
    private static final String NO_PARALLEL_BUILD = "SET max_parallel_maintenance_workers = 0";
    private static final String ANALYZE = "ANALYZE omni_events, automation_logs, instances, automations";
    /** What {@link SecondaryIndex} names may be: they go into statement text (as defines, quoted). */
    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private static final String[] ACTIONS = {
        "[]",
        "[{\"action\":\"log\",\"status\":\"success\",\"result\":\"logged\",\"durationMs\":1}]",
        "[{\"action\":\"webhook\",\"status\":\"success\",\"result\":\"200 OK\",\"durationMs\":140},"
            + "{\"action\":\"log\",\"status\":\"success\",\"result\":\"logged\",\"durationMs\":1}]",
        "[{\"action\":\"call_agent\",\"status\":\"success\",\"result\":\"agent replied\",\"durationMs\":2300},"
            + "{\"action\":\"send_message\",\"status\":\"success\",\"result\":\"sent\",\"durationMs\":35},"
            + "{\"action\":\"log\",\"status\":\"success\",\"result\":\"logged\",\"durationMs\":1}]",
        "[{\"action\":\"webhook\",\"status\":\"success\",\"result\":\"200 OK\",\"durationMs\":90},"
            + "{\"action\":\"emit_event\",\"status\":\"success\",\"result\":\"emitted\",\"durationMs\":3},"
            + "{\"action\":\"call_agent\",\"status\":\"success\",\"result\":\"agent replied\",\"durationMs\":1800},"
            + "{\"action\":\"send_message\",\"status\":\"success\",\"result\":\"sent\",\"durationMs\":41}]",
        "[]",
        "[{\"action\":\"webhook\",\"status\":\"failed\",\"error\":\"Webhook returned 502 Bad Gateway\","
            + "\"durationMs\":1200}]",
        "[{\"action\":\"log\",\"status\":\"success\",\"result\":\"logged\",\"durationMs\":1},"
            + "{\"action\":\"webhook\",\"status\":\"failed\",\"error\":\"Webhook returned 502 Bad Gateway\","
            + "\"durationMs\":900}]"};

    /** How {@code received_at} (and {@code created_at} of the logs) is spread over the span. */
    public enum Spread {
        /** Denser towards the end: 2 % of the rows in the last hour, 12 % in the last day. */
        RECENT,
        /**
         * Evenly: one event every span / events (every minute holds events when there are at least as many as
         * minutes); automation logs uniformly at random over the span.
         */
        EVEN
    }

    /**
     * What to generate.
     *
     * @param events          omni_events rows
     * @param automationLogs  automation_logs rows
     * @param from            start of the time span (inclusive)
     * @param to              end of the time span (exclusive); more rows towards it
     * @param instances       instances to create and spread rows over (>= 1)
     * @param latencyFraction share of rows with processing_time_ms and agent_latency_ms (0 = upstream reality)
     * @param chunkSize       rows per INSERT statement (one transaction each); for events rounded down to a multiple
     *                        of {@value #PATTERN_ROWS} (at least one)
     * @param threads         parallel connections
     * @param spread          how the rows are spread over the span
     */
    public record Options(long events, long automationLogs, Instant from, Instant to, int instances,
            double latencyFraction, int chunkSize, int threads, Spread spread) {

        public Options {
            if (events < 0 || automationLogs < 0) {
                throw new IllegalArgumentException("row counts must be >= 0, got events=" + events
                        + " automationLogs=" + automationLogs);
            }
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(to, "to");
            if (!to.isAfter(from)) {
                throw new IllegalArgumentException("to must be after from, got from=" + from + " to=" + to);
            }
            if (instances < 1) {
                throw new IllegalArgumentException("instances must be >= 1, got " + instances);
            }
            if (!(latencyFraction >= 0 && latencyFraction <= 1)) {
                throw new IllegalArgumentException("latencyFraction must be in [0, 1], got " + latencyFraction);
            }
            if (chunkSize < 1) {
                throw new IllegalArgumentException("chunkSize must be >= 1, got " + chunkSize);
            }
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be >= 1, got " + threads);
            }
            Objects.requireNonNull(spread, "spread");
        }

        /** Rows denser towards {@code to} ({@link Spread#RECENT}). */
        public Options(long events, long automationLogs, Instant from, Instant to, int instances,
                double latencyFraction, int chunkSize, int threads) {
            this(events, automationLogs, from, to, instances, latencyFraction, chunkSize, threads, Spread.RECENT);
        }

        /** {@code events} rows over {@code [to - span, to)}, one automation log per 50 events, 50 instances. */
        public static Options of(long events, Instant to, Duration span) {
            return new Options(events, events / 50, to.minus(span), to, 50, 0, 2 * PATTERN_ROWS, 2);
        }

        public Options withAutomationLogs(long n) {
            return new Options(events, n, from, to, instances, latencyFraction, chunkSize, threads, spread);
        }

        public Options withLatencyFraction(double fraction) {
            return new Options(events, automationLogs, from, to, instances, fraction, chunkSize, threads, spread);
        }

        public Options withInstances(int n) {
            return new Options(events, automationLogs, from, to, n, latencyFraction, chunkSize, threads, spread);
        }

        public Options withParallelism(int chunk, int parallel) {
            return new Options(events, automationLogs, from, to, instances, latencyFraction, chunk, parallel, spread);
        }

        public Options withSpread(Spread s) {
            return new Options(events, automationLogs, from, to, instances, latencyFraction, chunkSize, threads, s);
        }
    }

    /**
     * What was written.
     *
     * @param events         omni_events rows inserted
     * @param automationLogs automation_logs rows inserted
     * @param instances      the instances created (rows of {@code instances})
     * @param elapsed        wall time of the whole fill
     * @param loading        of which inserting rows
     * @param indexing       of which rebuilding the indexes dropped for the load (zero when none were) and ANALYZE
     */
    public record Result(long events, long automationLogs, List<Instance> instances, Duration elapsed,
            Duration loading, Duration indexing) {

        public Result {
            instances = List.copyOf(instances);
        }

        /** Rows (events + logs) per second of wall time. */
        public double rowsPerSecond() {
            double seconds = Math.max(1e-9, elapsed.toNanos() / 1e9);
            return (events + automationLogs) / seconds;
        }
    }

    private BulkHistory() {
    }

    /** Fills the database at {@code jdbcUrl} (which must hold Omni's tables). */
    public static Result fill(String jdbcUrl, Options options) {
        long started = System.nanoTime();
        String token = ScratchDatabase.randomSuffix(6);
        SplittableRandom random = new SplittableRandom(token.hashCode());
        IdPrefixes ids = new IdPrefixes(idPrefix(random), idPrefix(random), idPrefix(random));
        List<Instance> instances = instances(random, token, options.instances());
        Jdbi jdbi = Jdbi.create(jdbcUrl).installPlugin(new PostgresPlugin())
                .registerArrayType(String.class, "text")
                .registerArrayType(UUID.class, "uuid");
        List<UUID> automations;
        List<SecondaryIndex> dropped = new ArrayList<>();
        try (Handle handle = jdbi.open()) {
            insertInstances(handle, instances);
            automations = insertAutomations(handle, random, token, 20);
            if (worthRebuilding(handle, "omni_events", options.events())) {
                dropped.addAll(dropSecondaryIndexes(handle, "omni_events"));
            }
            if (worthRebuilding(handle, "automation_logs", options.automationLogs())) {
                dropped.addAll(dropSecondaryIndexes(handle, "automation_logs"));
            }
        } catch (JdbiException e) {
            throw new OmniSimException("preparing bulk history failed: " + e.getMessage(), e);
        }
        // events come in blocks of whole pattern repetitions: block [r0, r1] holds events r0 * 65536 to r1 * 65536 + 65535
        long blocks = (options.events() + PATTERN_ROWS - 1) / PATTERN_ROWS;
        int blocksPerChunk = Math.max(1, options.chunkSize() / PATTERN_ROWS);
        List<long[]> eventBlocks = new ArrayList<>();
        for (long r = 0; r < blocks; r += blocksPerChunk) {
            eventBlocks.add(new long[] {r, Math.min(blocks - 1, r + blocksPerChunk - 1)});
        }
        List<List<long[]>> perThreadEvents = split(eventBlocks, options.threads());
        List<List<long[]>> perThreadLogs = split(chunks(options.automationLogs(), options.chunkSize()),
                options.threads());
        long loadStarted = System.nanoTime();
        long indexStarted;
        try {
            parallel(options.threads(), i -> worker(jdbi, options, token, ids, instances, automations,
                    perThreadEvents.get(i), perThreadLogs.get(i)));
        } finally {
            indexStarted = System.nanoTime();
            // recreate what was dropped even when loading failed, so the schema is never left without its indexes;
            // the sessions take the next index from a queue, the most expensive (text keys, big tables) first
            Queue<SecondaryIndex> queue = new ConcurrentLinkedQueue<>(
                    dropped.stream().sorted(Comparator.comparingInt(SecondaryIndex::buildCost).reversed()).toList());
            parallel(options.threads(), i -> createIndexes(jdbi, queue));
        }
        try {
            jdbi.useHandle(handle -> handle.execute(ANALYZE));
        } catch (JdbiException e) {
            throw new OmniSimException("analyzing after bulk insert failed: " + e.getMessage(), e);
        }
        long finished = System.nanoTime();
        return new Result(options.events(), options.automationLogs(), instances, Duration.ofNanos(finished - started),
                Duration.ofNanos(indexStarted - loadStarted), Duration.ofNanos(finished - indexStarted));
    }

    /** Fills a scratch database (which must hold Omni's tables). */
    public static Result fill(ScratchDatabase database, Options options) {
        return fill(database.jdbcUrl(), options);
    }

    private static long worker(Jdbi jdbi, Options options, String token, IdPrefixes ids, List<Instance> instances,
            List<UUID> automations, List<long[]> eventBlocks, List<long[]> logChunks) {
        long rows = 0;
        try (Handle handle = jdbi.open()) {
            tune(handle);
            List<String> stages = new ArrayList<>(TrafficEpisodes.WHATSAPP_CODES);
            stages.addAll(TrafficEpisodes.DISCORD_CODES.subList(0, 11));
            double spanSeconds = (Duration.between(options.from(), options.to()).toMillis() - 1) / 1000.0;
            long spanMillis = Duration.between(options.from(), options.to()).toMillis();
            if (!eventBlocks.isEmpty()) {
                handle.createUpdate(CREATE_PATTERN).bind("latency", options.latencyFraction())
                        .bind("instances", instances.size())
                        .bindArray("ids", UUID.class, instances.stream().map(Instance::id).toList())
                        .bindArray("channels", String.class, instances.stream().map(Instance::channel).toList())
                        .bindArray("stages", String.class, stages)
                        .execute();
            }
            TimeCurve curve = options.spread() == Spread.EVEN ? TimeCurve.even(spanMillis - 1)
                    : TimeCurve.of(spanMillis - 1);
            for (long[] block : eventBlocks) {
                rows += handle.createUpdate(INSERT_EVENTS).bind("id_prefix", ids.eventPrefix())
                        .bind("external_prefix", token + "-")
                        .bind("end", ReferencePersistence.utc(options.to().toEpochMilli() - 1))
                        .bind("u1", curve.u1()).bind("u2", curve.u2()).bind("span", curve.span())
                        .bind("day", curve.day()).bind("hour", curve.hour())
                        .bind("events_real", (double) options.events()).bind("events", options.events())
                        .bind("first_block", block[0]).bind("last_block", block[1])
                        .execute();
            }
            for (long[] chunk : logChunks) {
                rows += handle.createUpdate(INSERT_LOGS).bind("id_prefix", ids.logPrefix())
                        .bind("event_prefix", ids.logEventPrefix())
                        .bind("end", ReferencePersistence.utc(options.to().toEpochMilli() - 1))
                        .bind("span_seconds", spanSeconds).bind("even", options.spread() == Spread.EVEN)
                        .bind("first", chunk[0]).bind("last", chunk[1])
                        .bindArray("automations", UUID.class, automations)
                        .bindArray("actions", String.class, (Object[]) ACTIONS)
                        .execute();
            }
        }
        return rows;
    }

    /**
     * The age curve of event timestamps (ms before the last instant of the span): a power curve from the span down to
     * one day for u < u1 (88 % of rows), linear from one day to one hour for u < u2 (10 %), linear through the last
     * hour for the rest (2 %); shorter spans drop the pieces that do not fit.
     */
    private record TimeCurve(double span, double day, double hour, double u1, double u2) {
        static TimeCurve of(long spanMillis) {
            double span = Math.max(0, spanMillis);
            double day = Math.min(86_400_000, span);
            double hour = Math.min(3_600_000, day);
            if (span > day) {
                return new TimeCurve(span, day, hour, 0.88, 0.98);
            }
            if (day > hour) {
                return new TimeCurve(span, day, hour, 0, 0.90);
            }
            return new TimeCurve(span, day, hour, 0, 0);
        }

        /** Evenly over the span: only the last piece, stretched over all of it (age = span * (1 - u)). */
        static TimeCurve even(long spanMillis) {
            double span = Math.max(0, spanMillis);
            return new TimeCurve(span, span, span, 0, 0);
        }
    }

    /** Per-fill UUID prefixes: rows get {@code prefix + 12 hex digits of their series number}. */
    private record IdPrefixes(String eventPrefix, String logPrefix, String logEventPrefix) {
    }

    /**
     * A plain single-column btree index that no constraint uses, as the catalog names it: rebuilt by
     * {@link #CREATE_INDEX} with these names as defines.
     */
    private record SecondaryIndex(String schema, String table, String name, String column) {
        /** Whether every name is a plain lower-case identifier (only then is the index dropped and rebuilt). */
        boolean plain() {
            return IDENTIFIER.matcher(schema).matches() && IDENTIFIER.matcher(table).matches()
                    && IDENTIFIER.matcher(name).matches() && IDENTIFIER.matcher(column).matches();
        }

        /** Rough relative cost of building it: omni_events before automation_logs, text keys first. */
        int buildCost() {
            int key = switch (column) {
                case "external_id", "chat_id" -> 3;
                case "channel", "event_type", "status" -> 2;
                case "received_at", "instance_id" -> 1;
                default -> 0;
            };
            return (table.equals("omni_events") ? 10 : 0) + key;
        }

        void drop(Handle handle) {
            handle.createUpdate(DROP_INDEX).define("schema", quoted(schema)).define("index", quoted(name)).execute();
        }

        void create(Handle handle) {
            handle.createUpdate(CREATE_INDEX).define("index", quoted(name)).define("schema", quoted(schema))
                    .define("table", quoted(table)).define("column", quoted(column)).execute();
        }

        private static String quoted(String identifier) {
            return '"' + identifier + '"';
        }
    }

    /** A random version-4-looking UUID prefix {@code xxxxxxxx-xxxx-4xxx-8xxx-}. */
    private static String idPrefix(SplittableRandom random) {
        StringBuilder sb = new StringBuilder(24);
        for (int i = 0; i < 24; i++) {
            switch (i) {
                case 8, 13, 18, 23 -> sb.append('-');
                case 14 -> sb.append('4');
                case 19 -> sb.append(Character.forDigit(8 + random.nextInt(4), 16));
                default -> sb.append(Character.forDigit(random.nextInt(16), 16));
            }
        }
        return sb.toString();
    }

    /** Session settings for bulk work: asynchronous commit; foreign-key triggers off when allowed (superuser). */
    private static void tune(Handle handle) {
        handle.execute(ASYNC_COMMIT);
        // the rows reference instances and automations created above, so skipping the per-row foreign-key checks
        // (session_replication_role = replica) changes nothing but speed; it needs superuser, so it is optional
        handle.useTransaction(h -> {
            h.savepoint("tune");
            try {
                h.execute(NO_TRIGGERS);
                h.releaseSavepoint("tune");
            } catch (JdbiException notSuperuser) {
                h.rollbackToSavepoint("tune");
            }
        });
    }

    /** Rebuilding indexes after the load pays off when at least as many rows are added as the table holds. */
    private static boolean worthRebuilding(Handle handle, String table, long adding) {
        if (adding < 50_000) {
            return false;
        }
        return handle.createQuery(ESTIMATED_ROWS).bind("table", table).mapTo(Long.class).findOne()
                .map(rows -> rows <= adding).orElse(false);
    }

    /** Drops the plain secondary indexes of {@code table} (see the class comment) and returns them. */
    private static List<SecondaryIndex> dropSecondaryIndexes(Handle handle, String table) {
        List<SecondaryIndex> indexes = handle.createQuery(PLAIN_SECONDARY_INDEXES).bind("table", table)
                .map((rs, ctx) -> new SecondaryIndex(rs.getString(1), rs.getString(2), rs.getString(3),
                        rs.getString(4)))
                .list().stream().filter(SecondaryIndex::plain).toList();
        indexes.forEach(index -> index.drop(handle));
        return indexes;
    }

    /** Builds indexes taken from {@code queue} until it is empty; returns how many this session built. */
    private static long createIndexes(Jdbi jdbi, Queue<SecondaryIndex> queue) {
        if (queue.isEmpty()) {
            return 0;
        }
        long built = 0;
        try (Handle handle = jdbi.open()) {
            handle.execute(INDEX_MEMORY);
            handle.execute(NO_PARALLEL_BUILD); // the sessions already build in parallel
            for (SecondaryIndex index = queue.poll(); index != null; index = queue.poll()) {
                index.create(handle);
                built++;
            }
        }
        return built;
    }

    /** Runs {@code task(0..n-1)} on n threads and waits for all; the first failure is rethrown. */
    private static void parallel(int n, IntToLongFunction task) {
        ExecutorService pool = Executors.newFixedThreadPool(n, r -> {
            Thread t = new Thread(r, "bulk-history");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Long>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int index = i;
                futures.add(pool.submit(() -> task.applyAsLong(index)));
            }
            for (Future<Long> future : futures) {
                future.get();
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw new OmniSimException("bulk history failed: " + cause.getMessage(), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OmniSimException("interrupted during bulk history", e);
        } finally {
            pool.shutdownNow();
        }
    }

    private static List<Instance> instances(SplittableRandom random, String token, int n) {
        List<Instance> instances = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String channel = CHANNEL_MIX[i % CHANNEL_MIX.length];
            instances.add(new Instance(TrafficEpisodes.uuid(random), "bulk-" + token + "-" + (i + 1), channel));
        }
        return instances;
    }

    private static void insertInstances(Handle handle, List<Instance> instances) {
        PreparedBatch insert = handle.prepareBatch(INSERT_INSTANCE);
        int i = 0;
        for (Instance instance : instances) {
            insert.bind("id", instance.id()).bind("name", instance.name()).bind("channel", instance.channel())
                    .bind("active", i++ % 4 != 3).add();
        }
        insert.execute();
    }

    private static List<UUID> insertAutomations(Handle handle, SplittableRandom random, String token, int n) {
        List<UUID> ids = new ArrayList<>(n);
        PreparedBatch insert = handle.prepareBatch(INSERT_AUTOMATION);
        for (int i = 0; i < n; i++) {
            UUID id = TrafficEpisodes.uuid(random);
            ids.add(id);
            insert.bind("id", id).bind("name", "bulk " + token + " automation " + (i + 1))
                    .bind("actions", "[{\"type\":\"log\",\"config\":{\"level\":\"info\"}}]").add();
        }
        insert.execute();
        return ids;
    }

    private static List<long[]> chunks(long total, int size) {
        List<long[]> chunks = new ArrayList<>();
        for (long lo = 1; lo <= total; lo += size) {
            chunks.add(new long[] {lo, Math.min(total, lo + size - 1)});
        }
        return chunks;
    }

    private static <T> List<List<T>> split(List<T> items, int parts) {
        List<List<T>> result = new ArrayList<>();
        for (int i = 0; i < parts; i++) {
            result.add(new ArrayList<>());
        }
        for (int i = 0; i < items.size(); i++) {
            result.get(i % parts).add(items.get(i));
        }
        return result;
    }
}
