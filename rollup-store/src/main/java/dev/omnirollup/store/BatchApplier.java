package dev.omnirollup.store;

import dev.omnirollup.store.ApplyPhases.Phase;
import dev.omnirollup.store.Decoded.MessageEvent;
import dev.omnirollup.store.Decoded.QueueSnapshot;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;

/**
 * Applies a batch of JetStream messages with exactly-once effect: in one transaction it claims the batch's
 * sequences in the exactly-once record, folds the messages not applied before into counter deltas, writes the
 * deltas, the external-id index, queue snapshots and rejects, and marks the sequences applied. The caller acks
 * (or terminates, for poison) only after this returns. Thread-safe; one instance can serve several workers.
 */
public final class BatchApplier {
    private static final int MAX_REJECT_BODY = 2_000;
    private static final String QUEUE = """
            INSERT INTO <rollup>.automation_queue AS t (instance_key, active_count, pending_count, observed_ms)
            VALUES (:key, :active, :pending, :observed)
            ON CONFLICT (instance_key) DO UPDATE SET active_count = excluded.active_count,
                pending_count = excluded.pending_count, observed_ms = excluded.observed_ms
             WHERE excluded.observed_ms >= t.observed_ms
            """;
    private static final String REJECT = """
            INSERT INTO <rollup>.rejects (stream, stream_seq, subject, reason, body, body_bytes)
            VALUES (:stream, :seq, :subject, :reason, :body, :bytes)
            """;
    private static final String PROGRESS = """
            INSERT INTO <rollup>.ingest_progress AS t (stream, last_seq, last_event_ms, last_applied_ms)
            VALUES (:stream, :seq, :event, :applied)
            ON CONFLICT (stream) DO UPDATE SET last_seq = GREATEST(t.last_seq, excluded.last_seq),
                last_event_ms = GREATEST(t.last_event_ms, excluded.last_event_ms),
                last_applied_ms = excluded.last_applied_ms
            """;

    private final RollupDatabase database;
    private final EventDecoder decoder;
    private final InstantSource clock;
    private final Duration minuteRetention;
    private final long cutoverMs;
    private final long seedLookupUntilMs;
    private final Duration indexHorizon;
    private final AppliedPages pages = new AppliedPages();
    private final MessageIndex index = new MessageIndex();
    private final RollupWriter writer;

    /** With the default index horizon of 35 days. */
    public BatchApplier(RollupDatabase database, EventDecoder decoder, InstantSource clock, Duration minuteRetention,
                        Instant cutover) {
        this(database, decoder, clock, minuteRetention, cutover, Duration.ofDays(35));
    }

    /** Remembering the rows it writes ({@link KnownDims}): for a process that is its layers' only writer. */
    public BatchApplier(RollupDatabase database, EventDecoder decoder, InstantSource clock, Duration minuteRetention,
                        Instant cutover, Duration indexHorizon) {
        this(database, decoder, clock, minuteRetention, cutover, indexHorizon, true);
    }

    /**
     * @param minuteRetention how long minute buckets are kept (older ones are not written)
     * @param cutover         events before it are backfill's, not the live ingest's
     * @param indexHorizon    for this long after the cutover, receipts look up older messages in Omni's table
     * @param rememberRows    whether to remember the hour, day and total rows (and the newest minute's) it writes and
     *                        merge their breakdowns in Java ({@link KnownDims}); worth it only while no other process
     *                        writes the same layer (with several processes consuming at once their writes would keep
     *                        invalidating what each remembers, and their two passes over a table could lock rows in
     *                        different orders)
     */
    public BatchApplier(RollupDatabase database, EventDecoder decoder, InstantSource clock, Duration minuteRetention,
                        Instant cutover, Duration indexHorizon, boolean rememberRows) {
        this.database = database;
        this.seedLookupUntilMs = cutover.plus(indexHorizon).toEpochMilli();
        this.decoder = decoder;
        this.clock = clock;
        this.minuteRetention = minuteRetention;
        this.cutoverMs = cutover.toEpochMilli();
        this.indexHorizon = indexHorizon;
        this.writer = new RollupWriter(database, rememberRows ? new KnownDims(KnownDims.CAPACITY) : null);
    }

    /** What became of each message; every one may be acked except {@link #REJECTED} ones, which are terminated. */
    public enum Disposition {
        /** Counted (or, for a queue snapshot, recorded). */
        APPLIED,
        /** Applied by an earlier delivery; nothing changed. */
        DUPLICATE,
        /** Deliberately not counted: bare subject, replay, or before the cutover. */
        IGNORED,
        /** Poison, kept in the reject table. */
        REJECTED,
        /** Another ingest partition's to apply; this one only acknowledges it. */
        ELSEWHERE
    }

    /**
     * The outcome of a batch.
     *
     * @param dispositions one per message, in the batch's order
     * @param rejectReasons the reason of each message rejected in this batch
     * @param phases        where the time of its transaction went
     */
    public record Outcome(List<Disposition> dispositions, List<String> rejectReasons, long lastEventMs,
                          ApplyPhases phases) {
        public long count(Disposition disposition) {
            return dispositions.stream().filter(d -> d == disposition).count();
        }
    }

    /**
     * A batch decoded ahead of its transaction (decoding is pure, so it can run while another batch commits), with
     * the distinct external ids of its message events in the order the index rows are locked and written in, sorted
     * on the thread that decoded it rather than on the one that applies it.
     */
    public record Prepared(List<InboundMessage> batch, List<Decoded> decoded, List<String> externalIds,
                           long decodedAtMs) {
        public Prepared {
            batch = List.copyOf(batch);
            decoded = List.copyOf(decoded);
            externalIds = List.copyOf(externalIds);
        }
    }

    /** Decodes a batch; no I/O. */
    public Prepared prepare(List<InboundMessage> batch) {
        List<Decoded> decoded = new ArrayList<>(batch.size());
        for (InboundMessage message : batch) {
            decoded.add(decoder.decode(message));
        }
        return prepared(batch, decoded);
    }

    /** Decodes one message; no I/O. */
    public Decoded decode(InboundMessage message) {
        return decoder.decode(message);
    }

    /** A batch decoded message by message ({@link #decode}). */
    public Prepared prepared(List<InboundMessage> batch, List<Decoded> decoded) {
        Set<String> ids = new HashSet<>();
        for (Decoded event : decoded) {
            if (event instanceof MessageEvent message) {
                message.externalId().ifPresent(ids::add);
            }
        }
        return new Prepared(batch, decoded, MessageIndex.lockOrder(ids), clock.millis());
    }

    /**
     * Applies the batch; throws {@link StoreException} when the transaction fails, in which case nothing was
     * applied and the same batch may be applied again.
     */
    public Outcome apply(StreamRef stream, List<InboundMessage> batch) {
        return apply(stream, Partitioning.WHOLE, prepare(batch));
    }

    /**
     * Applies the messages of a prepared batch that this partition owns, as {@link #apply(StreamRef, List)}; the
     * others are {@link Disposition#ELSEWHERE}.
     */
    public Outcome apply(StreamRef stream, Partitioning partition, Prepared prepared) {
        long nowMs = clock.millis();
        ApplyPhases.Stopwatch watch = new ApplyPhases.Stopwatch();
        BatchTriage triage = database.inTransaction(handle -> applyDecoded(handle, stream, partition, prepared, nowMs,
                watch));
        watch.lap(Phase.COMMIT); // known only now: the Outcome is made after the transaction
        return new Outcome(triage.dispositions(), triage.rejectReasons(), triage.lastEventMs(), watch.read());
    }

    /**
     * Message rollup rows written so far whose breakdown maps this applier merged from what it remembers of its
     * last writes ({@link KnownDims}; 0 unless it remembers rows).
     */
    public long breakdownsMergedByIngest() {
        return writer.mergedRows();
    }

    /** Message rollup rows written so far by an upsert that merges their breakdown maps in PostgreSQL, or new. */
    public long breakdownsMergedByDatabase() {
        return writer.upsertedRows();
    }

    /**
     * Sets aside one message that cannot be applied (it failed alone for a reason retrying cannot fix): it is
     * kept in the reject table with the reason and marked applied, so that it never blocks the stream.
     *
     * @return false when it had been applied already
     */
    public boolean quarantine(StreamRef stream, Partitioning partition, InboundMessage message, String reason) {
        return database.inTransaction(handle -> {
            AppliedPages.Claim claim = pages.claim(handle, stream, partition, List.of(message.streamSeq()));
            if (claim.isApplied(message.streamSeq())) {
                return false;
            }
            writeRejects(handle, stream, List.of(message), List.of(0), List.of(printable(reason, 500)));
            pages.markApplied(handle, claim, List.of(message.streamSeq()));
            return true;
        });
    }

    /**
     * Which of the stream sequences {@code from} to {@code to} are applied, by any partition (bit i: sequence
     * from + i): what a worker acknowledging cumulatively asks of the sequences it did not commit itself.
     */
    public BitSet applied(StreamRef stream, long from, long to) {
        return database.withHandle(handle -> pages.applied(handle, stream, from, to));
    }

    /** Applies the batch inside the caller's transaction; returns how its messages were sorted out. */
    private BatchTriage applyDecoded(Handle handle, StreamRef stream, Partitioning partition, Prepared prepared,
                                     long nowMs, ApplyPhases.Stopwatch watch) {
        List<InboundMessage> batch = prepared.batch();
        List<Decoded> decoded = prepared.decoded();
        List<Long> sequences = new ArrayList<>(batch.size());
        for (Decoded event : decoded) {
            if (partition.owns(event)) {
                sequences.add(event.streamSeq());
            }
        }
        AppliedPages.Claim claim = pages.claim(handle, stream, partition, sequences);
        BatchTriage triage = BatchTriage.of(decoded, claim::isApplied, cutoverMs, partition);
        long nowSecond = Math.floorDiv(nowMs, 1000);
        long minuteFloor = Grain.MINUTE.bucketOf(nowSecond - minuteRetention.toSeconds());
        watch.lap(Phase.CLAIM);
        MessageFold.Result folded = foldMessages(handle, triage.messages(), prepared.externalIds(), nowSecond,
                minuteFloor, watch);
        writer.write(handle, folded.changes(), partition.layer());
        watch.lap(Phase.ROLLUP_WRITE);
        writeQueues(handle, triage.queues());
        writeRejects(handle, stream, batch, triage.rejected(), triage.rejectReasons());
        if (!triage.fresh().isEmpty()) {
            handle.createUpdate(PROGRESS).bind("stream", partition.progressName(stream.name()))
                    .bind("seq", triage.lastSeq())
                    .bind("event", triage.lastEventMs()).bind("applied", nowMs).execute();
        }
        pages.markApplied(handle, claim, triage.fresh());
        watch.lap(Phase.FINISH);
        return triage;
    }

    /**
     * Folds the message events against the external-id index. Existing index rows are locked first, and the pending
     * rows that ids with a delivered had set aside are taken back; then every new state is written in one statement
     * (ids never seen are inserted), with the pending rows it sets aside. Should another batch have inserted one of
     * those ids meanwhile, it is locked and the fold is recomputed against what that batch wrote.
     */
    private MessageFold.Result foldMessages(Handle handle, List<MessageEvent> messages, List<String> batchIds,
                                            long nowSecond, long minuteFloor, ApplyPhases.Stopwatch watch) {
        Set<String> externalIds = new HashSet<>();
        for (MessageEvent message : messages) {
            message.externalId().ifPresent(externalIds::add);
        }
        List<String> lockOrder = MessageIndex.subsequence(batchIds, externalIds);
        Map<String, ExternalIdState> existing = index.lockExisting(handle, lockOrder);
        unspill(handle, messages, existing);
        MessageFold.Result result = fold(handle, messages, existing, minuteFloor, nowSecond, watch);
        Set<String> written = store(handle, result.states(), lockOrder, existing.keySet(), nowSecond);
        watch.lap(Phase.INDEX_WRITE);
        if (written.size() < result.states().size()) { // the ids written are among the states': fewer, some raced
            Set<String> raced = new TreeSet<>(result.states().keySet());
            raced.removeAll(written);
            existing.putAll(index.lockExisting(handle, List.copyOf(raced)));
            unspill(handle, messages, existing);
            result = fold(handle, messages, existing, minuteFloor, nowSecond, watch);
            Map<String, ExternalIdState> recomputed = new HashMap<>();
            for (String id : raced) {
                recomputed.put(id, result.states().get(id));
            }
            store(handle, recomputed, List.copyOf(raced), raced, nowSecond);
            watch.lap(Phase.INDEX_WRITE);
        }
        return result;
    }

    /**
     * Writes the states (see {@link MessageIndex#write}; {@code order}: their ids, and maybe others, in lock order)
     * and the pending rows they set aside, for the ids written; returns those ids.
     */
    private Set<String> store(Handle handle, Map<String, ExternalIdState> states, List<String> order,
                              Set<String> locked, long nowSecond) {
        MessageFold.Spilled stored = MessageFold.spill(states);
        Set<String> written = index.write(handle, stored.states(), order, locked, nowSecond);
        Map<String, List<ExternalIdState.Pending>> setAside = new HashMap<>(stored.rows());
        setAside.keySet().retainAll(written);
        index.spill(handle, setAside);
        return written;
    }

    /** Takes back the pending rows set aside by the ids that a delivered among these events needs them for. */
    private void unspill(Handle handle, List<MessageEvent> messages, Map<String, ExternalIdState> states) {
        Set<String> ids = MessageFold.needingUnspill(messages, states);
        Map<String, List<ExternalIdState.Pending>> rows = index.unspill(handle, ids);
        ids.forEach(id -> states.put(id, states.get(id).withUnspilled(rows.getOrDefault(id, List.of()))));
    }

    /** Looks up Omni's older rows where needed (index read) and folds (fold). */
    private MessageFold.Result fold(Handle handle, List<MessageEvent> messages, Map<String, ExternalIdState> states,
                                    long minuteFloor, long nowSecond, ApplyPhases.Stopwatch watch) {
        boolean seedsPending = nowSecond * 1000 < seedLookupUntilMs;
        Map<String, List<ExternalIdState.SeedRow>> seeds = seedsPending
                ? index.lookupSeeds(handle, MessageFold.needingSeeds(messages, states), cutoverMs)
                : Map.of();
        watch.lap(Phase.INDEX_READ);
        MessageFold.Result result = MessageFold.fold(messages, states, seeds, minuteFloor,
                nowSecond - indexHorizon.toSeconds());
        watch.lap(Phase.FOLD);
        return result;
    }

    private static void writeQueues(Handle handle, List<QueueSnapshot> snapshots) {
        if (snapshots.isEmpty()) {
            return;
        }
        PreparedBatch batch = handle.prepareBatch(QUEUE);
        for (QueueSnapshot snapshot : snapshots) {
            batch.bind("key", snapshot.instanceKey()).bind("active", snapshot.activeCount())
                    .bind("pending", snapshot.pendingCount()).bind("observed", snapshot.epochMs()).add();
        }
        batch.execute();
    }

    private static void writeRejects(Handle handle, StreamRef stream, List<InboundMessage> batch, List<Integer> rejected,
                                     List<String> reasons) {
        if (rejected.isEmpty()) {
            return;
        }
        PreparedBatch insert = handle.prepareBatch(REJECT);
        for (int i = 0; i < rejected.size(); i++) {
            InboundMessage message = batch.get(rejected.get(i));
            insert.bind("stream", stream.name()).bind("seq", message.streamSeq())
                    .bind("subject", printable(message.subject(), 255)).bind("reason", reasons.get(i))
                    .bind("body", printable(new String(message.body(), 0,
                            Math.min(message.body().length, MAX_REJECT_BODY * 4), StandardCharsets.UTF_8),
                            MAX_REJECT_BODY))
                    .bind("bytes", message.body().length).add();
        }
        insert.execute();
    }

    /** Text PostgreSQL can store (no NUL) and a person can read, cut to {@code max} characters. */
    static String printable(String text, int max) {
        StringBuilder out = new StringBuilder(Math.min(text.length(), max));
        for (int i = 0; i < text.length() && out.length() < max; i++) {
            char ch = text.charAt(i);
            out.append(ch == 0 || (Character.isISOControl(ch) && ch != '\n' && ch != '\t') ? '\uFFFD' : ch);
        }
        return out.toString();
    }
}
