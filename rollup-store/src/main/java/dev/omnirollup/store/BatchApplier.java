package dev.omnirollup.store;

import dev.omnirollup.store.Decoded.AutomationExecution;
import dev.omnirollup.store.Decoded.Ignored;
import dev.omnirollup.store.Decoded.MessageEvent;
import dev.omnirollup.store.Decoded.QueueSnapshot;
import dev.omnirollup.store.Decoded.Rejected;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Applies a batch of JetStream messages with exactly-once effect: in one transaction it claims the batch's
 * sequences in the exactly-once record, folds the messages not applied before into counter deltas, writes the
 * deltas, the external-id index, queue snapshots and rejects, and marks the sequences applied. The caller acks
 * (or terminates, for poison) only after this returns. Thread-safe; one instance can serve several workers.
 */
public final class BatchApplier {
    private static final int MAX_REJECT_BODY = 2_000;

    private final RollupDatabase database;
    private final EventDecoder decoder;
    private final InstantSource clock;
    private final Duration minuteRetention;
    private final long cutoverMs;
    private final long seedLookupUntilMs;
    private final AppliedPages pages;
    private final MessageIndex index;
    private final RollupWriter writer;

    /** With the default index horizon of 35 days. */
    public BatchApplier(RollupDatabase database, EventDecoder decoder, InstantSource clock, Duration minuteRetention,
                        Instant cutover) {
        this(database, decoder, clock, minuteRetention, cutover, Duration.ofDays(35));
    }

    /**
     * @param minuteRetention how long minute buckets are kept (older ones are not written)
     * @param cutover         events before it are backfill's, not the live ingest's
     * @param indexHorizon    for this long after the cutover, receipts look up older messages in Omni's table
     */
    public BatchApplier(RollupDatabase database, EventDecoder decoder, InstantSource clock, Duration minuteRetention,
                        Instant cutover, Duration indexHorizon) {
        this.database = database;
        this.seedLookupUntilMs = cutover.plus(indexHorizon).toEpochMilli();
        this.decoder = decoder;
        this.clock = clock;
        this.minuteRetention = minuteRetention;
        this.cutoverMs = cutover.toEpochMilli();
        this.pages = new AppliedPages(database);
        this.index = new MessageIndex(database);
        this.writer = new RollupWriter(database);
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
        REJECTED
    }

    /**
     * The outcome of a batch.
     *
     * @param dispositions one per message, in the batch's order
     * @param rejectReasons the reason of each message rejected in this batch
     */
    public record Outcome(List<Disposition> dispositions, List<String> rejectReasons, long lastEventMs,
                          long sealedRows) {
        public long count(Disposition disposition) {
            return dispositions.stream().filter(d -> d == disposition).count();
        }
    }

    /** A batch decoded ahead of its transaction (decoding is pure, so it can run while another batch commits). */
    public record Prepared(List<InboundMessage> batch, List<Decoded> decoded, long decodedAtMs) {
        public Prepared {
            batch = List.copyOf(batch);
            decoded = List.copyOf(decoded);
        }
    }

    /** Decodes a batch; no I/O. */
    public Prepared prepare(List<InboundMessage> batch) {
        long nowMs = clock.millis();
        List<Decoded> decoded = new ArrayList<>(batch.size());
        for (InboundMessage message : batch) {
            decoded.add(decoder.decode(message));
        }
        return new Prepared(batch, decoded, nowMs);
    }

    /**
     * Applies the batch; throws {@link StoreException} when the transaction fails, in which case nothing was
     * applied and the same batch may be applied again.
     */
    public Outcome apply(StreamRef stream, List<InboundMessage> batch) {
        return apply(stream, prepare(batch));
    }

    /** Applies a prepared batch, as {@link #apply(StreamRef, List)}. */
    public Outcome apply(StreamRef stream, Prepared prepared) {
        long nowMs = clock.millis();
        return database.inTransaction(c -> applyDecoded(c, stream, prepared.batch(), prepared.decoded(), nowMs));
    }

    /**
     * Sets aside one message that cannot be applied (it failed alone for a reason retrying cannot fix): it is
     * kept in the reject table with the reason and marked applied, so that it never blocks the stream.
     *
     * @return false when it had been applied already
     */
    public boolean quarantine(StreamRef stream, InboundMessage message, String reason) {
        return database.inTransaction(c -> {
            AppliedPages.Claim claim = pages.claim(c, stream.key(), List.of(message.streamSeq()));
            if (claim.isApplied(message.streamSeq())) {
                return false;
            }
            writeRejects(c, stream, List.of(message), List.of(0), List.of(printable(reason, 500)));
            pages.markApplied(c, claim, List.of(message.streamSeq()));
            return true;
        });
    }

    private Outcome applyDecoded(Connection c, StreamRef stream, List<InboundMessage> batch, List<Decoded> decoded,
                                 long nowMs) throws SQLException {
        List<Long> sequences = batch.stream().map(InboundMessage::streamSeq).toList();
        AppliedPages.Claim claim = pages.claim(c, stream.key(), sequences);
        long nowSecond = Math.floorDiv(nowMs, 1000);
        long minuteFloor = Grain.MINUTE.bucketOf(nowSecond - minuteRetention.toSeconds());

        List<Disposition> dispositions = new ArrayList<>(batch.size());
        List<Long> fresh = new ArrayList<>();
        List<MessageEvent> messages = new ArrayList<>();
        Map<String, QueueSnapshot> queues = new HashMap<>();
        List<Integer> rejected = new ArrayList<>();
        List<String> rejectReasons = new ArrayList<>();
        long lastEventMs = 0;
        Set<Long> seenInBatch = new java.util.HashSet<>();
        for (int i = 0; i < decoded.size(); i++) {
            Decoded event = decoded.get(i);
            long seq = event.streamSeq();
            if (claim.isApplied(seq) || !seenInBatch.add(seq)) {
                dispositions.add(Disposition.DUPLICATE);
                continue;
            }
            fresh.add(seq);
            Disposition disposition = switch (event) {
                case MessageEvent message when message.epochMs() < cutoverMs -> Disposition.IGNORED;
                case MessageEvent message -> {
                    messages.add(message);
                    yield Disposition.APPLIED;
                }
                // the automation_logs row is the record of an execution (the ingest tails that table): a message
                // about it, should a publisher send one, is not counted a second time
                case AutomationExecution execution -> Disposition.IGNORED;
                case QueueSnapshot snapshot -> {
                    queues.merge(snapshot.instanceKey(), snapshot,
                            (a, b) -> a.epochMs() > b.epochMs() || (a.epochMs() == b.epochMs()
                                    && a.streamSeq() > b.streamSeq()) ? a : b);
                    yield Disposition.APPLIED;
                }
                case Rejected reject -> {
                    rejected.add(i);
                    rejectReasons.add(reject.reason());
                    yield Disposition.REJECTED;
                }
                case Ignored ignored -> Disposition.IGNORED;
                case Decoded.InstanceStatus status -> Disposition.IGNORED;
            };
            dispositions.add(disposition);
            lastEventMs = Math.max(lastEventMs, eventMs(event));
        }

        MessageFold.Result folded = foldMessages(c, messages, nowSecond, minuteFloor);
        writer.write(c, folded.deltas(), RollupWriter.LIVE);
        writeQueues(c, queues.values());
        writeRejects(c, stream, batch, rejected, rejectReasons);
        if (!fresh.isEmpty()) {
            writeProgress(c, stream, fresh.stream().mapToLong(Long::longValue).max().orElseThrow(), lastEventMs, nowMs);
        }
        pages.markApplied(c, claim, fresh);
        return new Outcome(List.copyOf(dispositions), List.copyOf(rejectReasons), lastEventMs, folded.sealedRows());
    }

    /**
     * Folds the message events against the external-id index. Existing index rows are locked first; then every
     * new state is written in one statement (ids never seen are inserted). Should another batch have inserted one
     * of those ids meanwhile, it is locked and the fold is recomputed against what that batch wrote.
     */
    private MessageFold.Result foldMessages(Connection c, List<MessageEvent> messages, long nowSecond, long minuteFloor)
            throws SQLException {
        Set<String> externalIds = new java.util.TreeSet<>();
        for (MessageEvent message : messages) {
            message.externalId().ifPresent(externalIds::add);
        }
        Map<String, ExternalIdState> existing = index.lockExisting(c, externalIds);
        MessageFold.Result result = fold(c, messages, existing, minuteFloor, nowSecond);
        Set<String> raced = new java.util.TreeSet<>(result.states().keySet());
        raced.removeAll(index.write(c, result.states(), existing.keySet(), nowSecond));
        if (!raced.isEmpty()) {
            existing.putAll(index.lockExisting(c, raced));
            result = fold(c, messages, existing, minuteFloor, nowSecond);
            Map<String, ExternalIdState> recomputed = new HashMap<>();
            for (String id : raced) {
                recomputed.put(id, result.states().get(id));
            }
            index.write(c, recomputed, raced, nowSecond);
        }
        return result;
    }

    private MessageFold.Result fold(Connection c, List<MessageEvent> messages, Map<String, ExternalIdState> states,
                                    long minuteFloor, long nowSecond) throws SQLException {
        Map<String, List<ExternalIdState.SeedRow>> seeds = nowSecond * 1000 < seedLookupUntilMs
                ? index.lookupSeeds(c, MessageFold.needingSeeds(messages, states), cutoverMs)
                : Map.of();
        return MessageFold.fold(messages, states, seeds, minuteFloor, MessageFold.Compaction.DEFAULT,
                nowSecond * 1000 < seedLookupUntilMs);
    }

    private void writeQueues(Connection c, java.util.Collection<QueueSnapshot> snapshots) throws SQLException {
        if (snapshots.isEmpty()) {
            return;
        }
        String sql = "INSERT INTO " + database.rollup("automation_queue")
                + " AS t (instance_key, active_count, pending_count, observed_ms) VALUES (?, ?, ?, ?) "
                + "ON CONFLICT (instance_key) DO UPDATE SET active_count = excluded.active_count, "
                + "pending_count = excluded.pending_count, observed_ms = excluded.observed_ms "
                + "WHERE excluded.observed_ms >= t.observed_ms";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (QueueSnapshot snapshot : snapshots.stream()
                    .sorted(java.util.Comparator.comparing(QueueSnapshot::instanceKey)).toList()) {
                ps.setString(1, snapshot.instanceKey());
                ps.setInt(2, snapshot.activeCount());
                ps.setInt(3, snapshot.pendingCount());
                ps.setLong(4, snapshot.epochMs());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private void writeRejects(Connection c, StreamRef stream, List<InboundMessage> batch, List<Integer> rejected,
                              List<String> reasons) throws SQLException {
        if (rejected.isEmpty()) {
            return;
        }
        String sql = "INSERT INTO " + database.rollup("rejects")
                + " (stream, stream_seq, subject, reason, body, body_bytes) VALUES (?, ?, ?, ?, ?, ?)";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < rejected.size(); i++) {
                InboundMessage message = batch.get(rejected.get(i));
                ps.setString(1, stream.name());
                ps.setLong(2, message.streamSeq());
                ps.setString(3, printable(message.subject(), 255));
                ps.setString(4, reasons.get(i));
                ps.setString(5, printable(new String(message.body(), 0,
                        Math.min(message.body().length, MAX_REJECT_BODY * 4), StandardCharsets.UTF_8), MAX_REJECT_BODY));
                ps.setInt(6, message.body().length);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private void writeProgress(Connection c, StreamRef stream, long lastSeq, long lastEventMs, long nowMs)
            throws SQLException {
        String sql = "INSERT INTO " + database.rollup("ingest_progress")
                + " AS t (stream, last_seq, last_event_ms, last_applied_ms) VALUES (?, ?, ?, ?) "
                + "ON CONFLICT (stream) DO UPDATE SET last_seq = GREATEST(t.last_seq, excluded.last_seq), "
                + "last_event_ms = GREATEST(t.last_event_ms, excluded.last_event_ms), last_applied_ms = excluded.last_applied_ms";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, stream.name());
            ps.setLong(2, lastSeq);
            ps.setLong(3, lastEventMs);
            ps.setLong(4, nowMs);
            ps.executeUpdate();
        }
    }

    private static long eventMs(Decoded event) {
        return switch (event) {
            case MessageEvent message -> message.epochMs();
            case AutomationExecution execution -> execution.epochMs();
            case QueueSnapshot snapshot -> snapshot.epochMs();
            case Decoded.InstanceStatus status -> status.epochMs();
            case Ignored ignored -> 0;
            case Rejected rejected -> 0;
        };
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
