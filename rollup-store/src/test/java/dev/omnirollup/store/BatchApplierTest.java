package dev.omnirollup.store;

import static dev.omnirollup.store.BatchApplier.Disposition.APPLIED;
import static dev.omnirollup.store.BatchApplier.Disposition.DUPLICATE;
import static dev.omnirollup.store.BatchApplier.Disposition.ELSEWHERE;
import static dev.omnirollup.store.BatchApplier.Disposition.IGNORED;
import static dev.omnirollup.store.BatchApplier.Disposition.REJECTED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.NullNode;
import dev.omnirollup.sim.Instance;
import dev.omnirollup.sim.OmniEvent;
import dev.omnirollup.sim.ReferencePersistence;
import dev.omnirollup.sim.TrafficGenerator;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The transactional apply: each message's effect lands once, whoever applies it and however often; poison is set
 * aside with its reason; events before the cutover and minute buckets past their retention are left alone. The
 * store's clock is a fixed instant ({@link #END}), and what landed is read with plain SQL on the tables.
 */
class BatchApplierTest {
    /** The store's clock; traffic ends here. A midnight, so that the cutover 30 days before is one too. */
    private static final Instant END = Instant.parse("2026-03-02T00:00:00Z");
    private static final Instant CUTOVER = END.minus(Duration.ofDays(30));
    private static final Duration MINUTES_KEPT = Duration.ofDays(9);
    private final List<Instance> instances = TrafficGenerator.defaultInstances(5, 9);
    private ScratchRollups scratch;
    private RollupDatabase rollups;
    private BatchApplier applier;
    private AutomationLogTail tail;
    private final StreamRef stream = new StreamRef("MESSAGE", Instant.parse("2026-01-01T00:00:00Z"));

    @BeforeEach
    void setUp() throws SQLException {
        scratch = ScratchRollups.create(8);
        rollups = scratch.rollups;
        assertEquals(CUTOVER, rollups.ensureCutover(CUTOVER));
        applier = applierAt(END);
        tail = new AutomationLogTail(rollups, InstantSource.fixed(END), MINUTES_KEPT, CUTOVER, Duration.ofMinutes(2));
        scratch.omni.jdbi().useHandle(h -> new ReferencePersistence(h, InstantSource.fixed(END))
                .ensureInstances(instances));
    }

    @AfterEach
    void tearDown() {
        scratch.close();
    }

    private BatchApplier applierAt(Instant now) {
        return new BatchApplier(rollups, new EventDecoder(1 << 20), InstantSource.fixed(now), MINUTES_KEPT, CUTOVER);
    }

    @Test
    void aRedeliveredBatchChangesNothing() {
        List<InboundMessage> messages = messages(traffic(1, 2_000));
        persistReference(1, 2_000);
        long start = System.nanoTime();
        BatchApplier.Outcome first = applier.apply(stream, messages);
        long elapsed = System.nanoTime() - start;
        assertEquals(0, first.count(BatchApplier.Disposition.DUPLICATE));
        // the phases of the transaction account for its time, and each of these ran
        long phases = 0;
        for (ApplyPhases.Phase phase : ApplyPhases.Phase.values()) {
            assertTrue(first.phases().nanos(phase) > 0, phase + ": " + first.phases());
            phases += first.phases().nanos(phase);
        }
        assertTrue(phases <= elapsed, phases + " of " + elapsed);
        BatchApplier.Outcome again = applier.apply(stream, messages);
        assertEquals(messages.size(), again.count(BatchApplier.Disposition.DUPLICATE));
        tail.poll();
        new ReferenceCheck(rollups).assertAllTimeMatches();
    }

    /** Several workers race on overlapping batches of the same messages (redelivery to another worker). */
    @Test
    void concurrentWorkersWithOverlappingBatchesApplyEachMessageOnce() throws Exception {
        List<InboundMessage> messages = messages(traffic(2, 3_000));
        persistReference(2, 3_000);
        Random random = new Random(2);
        List<List<InboundMessage>> batches = new ArrayList<>();
        for (int copy = 0; copy < 3; copy++) {
            int i = 0;
            while (i < messages.size()) {
                int size = 50 + random.nextInt(400);
                batches.add(messages.subList(i, Math.min(messages.size(), i + size)));
                i += size;
            }
        }
        Collections.shuffle(batches, random);
        ExecutorService workers = Executors.newFixedThreadPool(4);
        try {
            List<Future<BatchApplier.Outcome>> outcomes = new ArrayList<>();
            for (List<InboundMessage> batch : batches) {
                outcomes.add(workers.submit(() -> applyRetryingDeadlocks(batch)));
            }
            long applied = 0;
            for (Future<BatchApplier.Outcome> outcome : outcomes) {
                applied += outcome.get().dispositions().stream().filter(d -> d != BatchApplier.Disposition.DUPLICATE).count();
            }
            assertEquals(messages.size(), applied, "each message applied by exactly one batch");
        } finally {
            workers.shutdownNow();
        }
        tail.poll();
        new ReferenceCheck(rollups).assertAllTimeMatches();
    }

    /** Poison is kept with its reason, subject and a readable cut of its body; the rest of the batch applies. */
    @Test
    void poisonLandsInTheRejectTableAndTheRestOfTheBatchApplies() {
        BatchApplier.Outcome outcome = applier.apply(stream, poisonBatch());

        assertEquals(List.of(APPLIED, REJECTED, REJECTED, APPLIED, REJECTED), outcome.dispositions());
        assertEquals(3, outcome.rejectReasons().size());
        assertTrue(outcome.rejectReasons().get(0).startsWith("invalid JSON"), outcome.rejectReasons().get(0));
        assertTrue(outcome.rejectReasons().get(1).startsWith("subject 'bogus."), outcome.rejectReasons().get(1));
        assertTrue(outcome.rejectReasons().get(2).startsWith("payload.content is null"), outcome.rejectReasons().get(2));
        assertEquals(outcome.rejectReasons(), scratch.column("SELECT reason FROM rollup.rejects ORDER BY stream_seq"));
        assertEquals(List.of("MESSAGE 2 5010", "MESSAGE 3 2", "MESSAGE 5 " + poisonBatch().get(4).body().length),
                scratch.column("SELECT concat_ws(' ', stream, stream_seq, body_bytes) FROM rollup.rejects ORDER BY id"));

        // the body: decoded as UTF-8, NUL and control characters but newline and tab replaced, cut to 2,000 chars
        String shown = "\uFFFD{\n\t\"id\":\uFFFD";
        assertEquals(shown + "é".repeat(2_000 - shown.length()),
                scratch.column("SELECT body FROM rollup.rejects WHERE stream_seq = 2").get(0));
        // the subject, cut to 255 characters
        assertEquals(poisonBatch().get(2).subject().substring(0, 255),
                scratch.column("SELECT subject FROM rollup.rejects WHERE stream_seq = 3").get(0));
        assertEquals(List.of("{}"), scratch.column("SELECT body FROM rollup.rejects WHERE stream_seq = 3"));

        assertEquals(2, liveTotal(), "the two good messages are counted");
        assertEquals(List.of("MESSAGE 5 " + END.toEpochMilli()),
                scratch.column("SELECT concat_ws(' ', stream, last_seq, last_applied_ms) FROM rollup.ingest_progress"),
                "progress is stamped with the store's clock");
    }

    @Test
    void aRedeliveredBatchWithPoisonDoesNotRejectItTwice() {
        applier.apply(stream, poisonBatch());
        BatchApplier.Outcome again = applier.apply(stream, poisonBatch());

        assertEquals(5, again.count(DUPLICATE));
        assertEquals(List.of(), again.rejectReasons());
        assertEquals(3, scratch.scalar("SELECT count(*) FROM rollup.rejects"));
        assertEquals(2, liveTotal());
    }

    /** A message that fails alone for a reason retrying cannot fix is set aside once and never applied. */
    @Test
    void aQuarantinedMessageIsRejectedOnceAndCountsAsApplied() {
        InboundMessage stuck = inbound(10, received("stuck", END.minus(Duration.ofHours(1))));
        String reason = "index row \u0000 too wide: " + "x".repeat(600);

        assertTrue(applier.quarantine(stream, Partitioning.WHOLE, stuck, reason));
        assertEquals(List.of("MESSAGE 10 " + stuck.subject() + " " + stuck.body().length),
                scratch.column("SELECT concat_ws(' ', stream, stream_seq, subject, body_bytes) FROM rollup.rejects"));
        assertEquals(List.of(("index row \uFFFD too wide: " + "x".repeat(600)).substring(0, 500)),
                scratch.column("SELECT reason FROM rollup.rejects"), "NUL replaced, cut to 500 characters");
        assertEquals(List.of(new String(stuck.body(), StandardCharsets.UTF_8)),
                scratch.column("SELECT body FROM rollup.rejects"));

        BatchApplier.Outcome later = applier.apply(stream,
                List.of(stuck, inbound(11, received("fine", END.minus(Duration.ofHours(1))))));
        assertEquals(List.of(DUPLICATE, APPLIED), later.dispositions(), "the quarantined sequence is marked applied");
        assertEquals(1, liveTotal(), "only the other message is counted");

        assertFalse(applier.quarantine(stream, Partitioning.WHOLE, stuck, reason), "applied already");
        assertFalse(applier.quarantine(stream, Partitioning.WHOLE, inbound(11, received("fine", END)), "too late"), "applied by the batch");
        assertEquals(1, scratch.scalar("SELECT count(*) FROM rollup.rejects"));
    }

    @Test
    void messageEventsBeforeTheCutoverChangeNoRollupRowThoseFromItOnAreCounted() {
        BatchApplier.Outcome before = applier.apply(stream, List.of(
                inbound(1, received("a", CUTOVER.minusMillis(1))),
                inbound(2, received("b", CUTOVER.minus(Duration.ofDays(3))))));
        assertEquals(List.of(IGNORED, IGNORED), before.dispositions());
        assertEquals(0, scratch.scalar("SELECT (SELECT count(*) FROM rollup.msg_minute) + (SELECT count(*) FROM "
                + "rollup.msg_hour) + (SELECT count(*) FROM rollup.msg_day) + (SELECT count(*) FROM rollup.msg_total) "
                + "+ (SELECT count(*) FROM rollup.message_index)"), "no rollup row, no index entry");

        Instant recent = END.minus(Duration.ofMinutes(90));
        BatchApplier.Outcome from = applier.apply(stream, List.of(
                inbound(3, received("c", CUTOVER)),
                inbound(4, received("d", CUTOVER.plusMillis(1))),
                inbound(5, received("e", recent))));
        assertEquals(List.of(APPLIED, APPLIED, APPLIED), from.dispositions());
        assertEquals(3, liveTotal());
        long cutoverSecond = CUTOVER.getEpochSecond();
        assertEquals(List.of(cutoverSecond + ":2", hourOf(recent) + ":1"), bucketTotals("msg_hour"));
        assertEquals(List.of(cutoverSecond + ":2", dayOf(recent) + ":1"), bucketTotals("msg_day"));
        assertEquals(List.of(minuteOf(recent) + ":1"), bucketTotals("msg_minute"),
                "the cutover's minutes are past the retention");
    }

    /** The retention is counted back from the store's clock (END + 30 s), not the system's. */
    @Test
    void minuteBucketsOlderThanTheRetentionAreNotWrittenHoursDaysAndTotalsAre() {
        Instant now = END.plusSeconds(30);
        Instant floor = END.minus(MINUTES_KEPT); // the oldest minute kept: now - 9 days, to the minute
        BatchApplier.Outcome outcome = applierAt(now).apply(stream, List.of(
                inbound(1, received("kept", floor)),
                inbound(2, received("kept too", floor.plusSeconds(59))),
                inbound(3, received("too old", floor.minusMillis(1)))));

        assertEquals(3, outcome.count(APPLIED));
        assertEquals(List.of(floor.getEpochSecond() + ":2"), bucketTotals("msg_minute"));
        assertEquals(List.of(hourOf(floor.minusMillis(1)) + ":1", hourOf(floor) + ":2"), bucketTotals("msg_hour"));
        assertEquals(3, scratch.scalar("SELECT sum(total) FROM rollup.msg_day WHERE scope = 0 AND src = 0"));
        assertEquals(3, liveTotal());
    }

    /** Only the newest snapshot per instance is kept: by event time, then stream sequence, across batches too. */
    @Test
    void queueSnapshotsKeepTheNewestPerInstance() {
        BatchApplier.Outcome first = applier.apply(stream, List.of(
                inbound(1, queue("a", END.minusSeconds(10), 1)),
                inbound(2, queue("a", END.minusSeconds(5), 2)),
                inbound(3, queue("a", END.minusSeconds(20), 3)),
                inbound(4, queue("b", END.minusSeconds(5), 4)),
                inbound(5, queue("b", END.minusSeconds(5), 5))));
        assertEquals(5, first.count(APPLIED));
        assertEquals(List.of("a 2 " + END.minusSeconds(5).toEpochMilli(), "b 5 " + END.minusSeconds(5).toEpochMilli()),
                queues());

        applier.apply(stream, List.of(
                inbound(6, queue("a", END.minusSeconds(30), 6)),
                inbound(7, queue("b", END.minusSeconds(1), 7))));
        assertEquals(List.of("a 2 " + END.minusSeconds(5).toEpochMilli(), "b 7 " + END.minusSeconds(1).toEpochMilli()),
                queues(), "an older snapshot in a later batch does not replace a newer one");
    }

    /**
     * Three partitions, each on a thread of its own, are dealt every batch of the first two thirds of the stream (as
     * their consumers would be) and get some batches twice; then the count changes to two, whose consumers deliver
     * the whole stream again. Each message is applied once, by its own partition, into that partition's layer; the
     * partitions never share an exactly-once page; and the rollups equal upstream's SQL.
     */
    @Test
    void partitionsApplyTheirOwnMessagesOnceAcrossAChangeOfTheirNumber() throws Exception {
        List<InboundMessage> messages = messages(traffic(7, 3_000));
        persistReference(7, 3_000);
        int firstPart = 2_000;
        assertEquals(firstPart, applyPartitioned(messages.subList(0, firstPart), 3, 11), "applied under 3");
        assertEquals(List.of(stream.key(), stream.key() + "#1", stream.key() + "#2"),
                scratch.column("SELECT DISTINCT stream_key FROM rollup.applied_pages ORDER BY 1"),
                "a record of its own per partition");
        assertEquals(List.of("0", "2", "3"), scratch.column("SELECT DISTINCT src FROM rollup.msg_total ORDER BY 1"),
                "a live layer of its own per partition");
        assertEquals(messages.size() - firstPart, applyPartitioned(messages, 2, 12),
                "under 2: only what 3 had not applied");
        tail.poll();
        new ReferenceCheck(rollups).assertAllTimeMatches();
    }

    /**
     * Deals every batch of the messages to each of {@code count} partitions (each on a thread of its own, some
     * batches twice) and returns how many messages were applied for the first time.
     */
    private long applyPartitioned(List<InboundMessage> messages, int count, long seed) throws Exception {
        Random random = new Random(seed);
        List<List<InboundMessage>> batches = new ArrayList<>();
        for (int i = 0; i < messages.size(); ) {
            int size = 50 + random.nextInt(400);
            List<InboundMessage> batch = messages.subList(i, Math.min(messages.size(), i + size));
            batches.add(batch);
            if (random.nextInt(3) == 0) {
                batches.add(batch); // redelivered
            }
            i += size;
        }
        ExecutorService workers = Executors.newFixedThreadPool(count);
        try {
            List<Future<long[]>> outcomes = new ArrayList<>();
            for (int p = 0; p < count; p++) {
                Partitioning partition = new Partitioning(count, p);
                outcomes.add(workers.submit(() -> {
                    long fresh = 0;
                    long elsewhere = 0;
                    for (List<InboundMessage> batch : batches) {
                        BatchApplier.Outcome outcome = applier.apply(stream, partition, applier.prepare(batch));
                        fresh += outcome.dispositions().stream().filter(d -> d != DUPLICATE && d != ELSEWHERE).count();
                        elsewhere += outcome.count(ELSEWHERE);
                    }
                    return new long[] {fresh, elsewhere};
                }));
            }
            long fresh = 0;
            long elsewhere = 0;
            for (Future<long[]> outcome : outcomes) {
                fresh += outcome.get()[0];
                elsewhere += outcome.get()[1];
            }
            long delivered = batches.stream().mapToLong(List::size).sum();
            assertEquals((count - 1) * delivered, elsewhere, "each message is another partition's for all but one");
            return fresh;
        } finally {
            workers.shutdownNow();
        }
    }

    /**
     * A batch that finds an external id absent while another batch inserts it, and writes it after that one
     * committed, leaves the other's row alone and folds again against it: the message sent in one and delivered in
     * the other is counted as upstream counts it. The other batch is held before its commit by a lock on the
     * stream's progress row; each step waits until PostgreSQL shows the batch waiting.
     */
    @Test
    void aBatchThatLostTheRaceToAnIdsFirstRowFoldsAgainAgainstTheWinnersRow() throws Exception {
        Instant at = END.minus(Duration.ofHours(2));
        OmniEvent warm = received("warm", at.minusSeconds(60));
        OmniEvent sent = sent("raced", at);
        OmniEvent delivered = OmniEvent.messageDelivered("event-raced-delivered", at.plusSeconds(5).toEpochMilli(),
                OmniEvent.Meta.plugin("correlation", instances.get(0).id(), "whatsapp-baileys", "trace"), "raced",
                "chat", at.plusSeconds(5).toEpochMilli());
        scratch.omni.jdbi().useHandle(h -> new ReferencePersistence(h, InstantSource.fixed(END))
                .apply(List.of(warm, sent, delivered)));
        applier.apply(stream, List.of(inbound(1, warm))); // the stream's progress row exists from here on
        ExecutorService batches = Executors.newFixedThreadPool(2);
        try (Handle holder = rollups.jdbi().open()) {
            holder.begin();
            holder.createQuery("SELECT stream FROM <rollup>.ingest_progress FOR UPDATE").mapTo(String.class).list();
            Future<BatchApplier.Outcome> winner = batches.submit(() -> applier.apply(stream,
                    List.of(inbound(2, sent))));
            awaitLockWaits(1); // the winner wrote the id's row and waits for the progress row
            Future<BatchApplier.Outcome> loser = batches.submit(() -> applier.apply(stream,
                    List.of(inbound(5L * AppliedPages.PAGE_BITS + 1, delivered))));
            awaitLockWaits(2); // the loser found no row and waits for the winner's
            holder.rollback();
            assertEquals(List.of(APPLIED), winner.get().dispositions());
            assertEquals(List.of(APPLIED), loser.get().dispositions());
        } finally {
            batches.shutdownNow();
        }
        new ReferenceCheck(rollups).assertAllTimeMatches();
    }

    private void awaitLockWaits(int count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (scratch.scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                + " AND wait_event_type = 'Lock'") < count) {
            assertTrue(System.nanoTime() < deadline, count + " batches waiting for a lock");
            Thread.sleep(20);
        }
    }

    private BatchApplier.Outcome applyRetryingDeadlocks(List<InboundMessage> batch) {
        for (int attempt = 0; ; attempt++) {
            try {
                return applier.apply(stream, batch);
            } catch (StoreException e) {
                assertTrue(e.isTransient() && attempt < 20, "unexpected failure: " + e.getMessage());
            }
        }
    }

    private List<OmniEvent> traffic(long seed, int count) {
        return TrafficGenerator.generate(TrafficGenerator.Config.of(seed, END, Duration.ofDays(10), count, instances));
    }

    private void persistReference(long seed, int count) {
        scratch.omni.jdbi().useHandle(h -> new ReferencePersistence(h, InstantSource.fixed(END))
                .apply(traffic(seed, count)));
    }

    /**
     * Good, invalid JSON (with NUL, control characters and 5,010 bytes, mostly two-byte characters), a subject of 306
     * characters, good, and an envelope whose content is null.
     */
    private List<InboundMessage> poisonBatch() {
        OmniEvent good = received("good-1", END.minus(Duration.ofHours(2)));
        return List.of(
                inbound(1, good),
                new InboundMessage(good.subject(), ("\u0000{\n\t\"id\":\u0007" + "é".repeat(2_500))
                        .getBytes(StandardCharsets.UTF_8), 2),
                new InboundMessage("bogus." + "s".repeat(300), "{}".getBytes(StandardCharsets.UTF_8), 3),
                inbound(4, received("good-2", END.minus(Duration.ofHours(3)))),
                inbound(5, received("no-content", END.minus(Duration.ofHours(2)))
                        .withPayloadField("content", NullNode.getInstance())));
    }

    private OmniEvent received(String externalId, Instant at) {
        return OmniEvent.messageReceived("event-" + externalId, at.toEpochMilli(),
                OmniEvent.Meta.plugin("correlation", instances.get(0).id(), "whatsapp-baileys", "trace"),
                externalId, "chat", "someone", OmniEvent.content("text", Optional.of("hi"), Optional.empty(),
                        Optional.empty()));
    }

    private OmniEvent sent(String externalId, Instant at) {
        return OmniEvent.messageSent("event-" + externalId, at.toEpochMilli(),
                OmniEvent.Meta.plugin("correlation", instances.get(0).id(), "whatsapp-baileys", "trace"),
                externalId, "chat", "someone", OmniEvent.content("text", Optional.of("hi"), Optional.empty(),
                        Optional.empty()));
    }

    private static OmniEvent queue(String instanceKey, Instant at, int active) {
        return OmniEvent.automationQueue("queue-" + active, at.toEpochMilli(),
                OmniEvent.Meta.process("correlation", "trace", "automations"), instanceKey, active, active * 10);
    }

    private static InboundMessage inbound(long seq, OmniEvent event) {
        return new InboundMessage(event.subject(), event.toJson(), seq);
    }

    /** What the live layer counts over all instances, all time. */
    private long liveTotal() {
        return scratch.scalar("SELECT sum(total) FROM rollup.msg_total WHERE scope = 0 AND src = 0");
    }

    /** {@code bucket:total} of a message table's all-instances live rows, by bucket. */
    private List<String> bucketTotals(String table) {
        return scratch.column("SELECT bucket || ':' || total FROM rollup." + table
                + " WHERE scope = 0 AND src = 0 ORDER BY bucket");
    }

    private List<String> queues() {
        return scratch.column("SELECT concat_ws(' ', instance_key, active_count, observed_ms) FROM "
                + "rollup.automation_queue ORDER BY instance_key");
    }

    private static long minuteOf(Instant at) {
        return Math.floorDiv(at.getEpochSecond(), 60) * 60;
    }

    private static long hourOf(Instant at) {
        return Math.floorDiv(at.getEpochSecond(), 3_600) * 3_600;
    }

    private static long dayOf(Instant at) {
        return Math.floorDiv(at.getEpochSecond(), 86_400) * 86_400;
    }

    private static List<InboundMessage> messages(List<OmniEvent> events) {
        List<InboundMessage> messages = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            messages.add(new InboundMessage(events.get(i).subject(), events.get(i).toJson(), i + 1));
        }
        return messages;
    }
}
