package dev.omnirollup.store;

import static dev.omnirollup.store.BatchApplier.Disposition.APPLIED;
import static dev.omnirollup.store.BatchApplier.Disposition.DUPLICATE;
import static dev.omnirollup.store.BatchApplier.Disposition.IGNORED;
import static dev.omnirollup.store.BatchApplier.Disposition.REJECTED;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.omnirollup.store.BatchApplier.Disposition;
import dev.omnirollup.store.Decoded.AutomationExecution;
import dev.omnirollup.store.Decoded.Ignored;
import dev.omnirollup.store.Decoded.InstanceStatus;
import dev.omnirollup.store.Decoded.MessageEvent;
import dev.omnirollup.store.Decoded.MessageKind;
import dev.omnirollup.store.Decoded.QueueSnapshot;
import dev.omnirollup.store.Decoded.Rejected;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.LongPredicate;
import org.junit.jupiter.api.Test;

/** What a decoded batch asks of the store, decided without it: one rule a test, then random batches. */
class BatchTriageTest {
    private static final long CUTOVER = 1_770_000_000_000L;
    private static final LongPredicate NOTHING_APPLIED = seq -> false;

    @Test
    void aSequenceAppliedByAnEarlierBatchIsADuplicateAndNotFresh() {
        BatchTriage triage = BatchTriage.of(List.of(message(1, CUTOVER), message(2, CUTOVER), message(3, CUTOVER)),
                seq -> seq == 2, CUTOVER, Partitioning.WHOLE);
        assertEquals(List.of(APPLIED, DUPLICATE, APPLIED), triage.dispositions());
        assertEquals(List.of(1L, 3L), triage.fresh());
        assertEquals(List.of(1L, 3L), seqs(triage.messages()));
    }

    @Test
    void aSequenceRepeatedWithinTheBatchCountsOnlyItsFirstOccurrence() {
        MessageEvent first = message(7, CUTOVER);
        MessageEvent again = message(7, CUTOVER + 5_000);
        BatchTriage triage = BatchTriage.of(List.of(first, message(8, CUTOVER), again, new Rejected(8, "poison")),
                NOTHING_APPLIED, CUTOVER, Partitioning.WHOLE);
        assertEquals(List.of(APPLIED, APPLIED, DUPLICATE, DUPLICATE), triage.dispositions());
        assertEquals(List.of(7L, 8L), triage.fresh());
        assertEquals(List.of(first, message(8, CUTOVER)), triage.messages());
        assertEquals(List.of(), triage.rejected(), "a repeated poison sequence is not rejected twice");
        assertEquals(CUTOVER, triage.lastEventMs(), "the repeat's later event time is not taken");
    }

    @Test
    void messageEventsBeforeTheCutoverAreIgnoredButStillFresh() {
        BatchTriage triage = BatchTriage.of(List.of(message(1, CUTOVER - 1), message(2, CUTOVER),
                message(3, CUTOVER - 86_400_000L)), NOTHING_APPLIED, CUTOVER, Partitioning.WHOLE);
        assertEquals(List.of(IGNORED, APPLIED, IGNORED), triage.dispositions());
        assertEquals(List.of(1L, 2L, 3L), triage.fresh(), "ignored messages are marked applied too");
        assertEquals(List.of(2L), seqs(triage.messages()), "only the one at the cutover is folded");
    }

    @Test
    void messageEventsAtOrAfterTheCutoverAreFoldedInBatchOrder() {
        List<Decoded> batch = List.of(message(9, CUTOVER + 3), message(4, CUTOVER + 1), message(6, CUTOVER + 2));
        BatchTriage triage = BatchTriage.of(batch, NOTHING_APPLIED, CUTOVER, Partitioning.WHOLE);
        assertEquals(List.of(APPLIED, APPLIED, APPLIED), triage.dispositions());
        assertEquals(batch, triage.messages());
        assertEquals(List.of(9L, 4L, 6L), triage.fresh());
    }

    @Test
    void automationExecutionsAreIgnoredTheirLogRowIsTheRecord() {
        BatchTriage triage = BatchTriage.of(List.of(execution(1, CUTOVER + 10)), NOTHING_APPLIED, CUTOVER, Partitioning.WHOLE);
        assertEquals(List.of(IGNORED), triage.dispositions());
        assertEquals(List.of(1L), triage.fresh());
        assertEquals(List.of(), triage.messages());
        assertEquals(CUTOVER + 10, triage.lastEventMs());
    }

    @Test
    void queueSnapshotsAreAppliedAndOnlyTheNewestPerInstanceIsKept() {
        QueueSnapshot older = queue(1, 2_000, "b", 1);
        QueueSnapshot newest = queue(2, 3_000, "b", 2);
        QueueSnapshot stale = queue(3, 1_000, "b", 3); // later in the stream, older event time
        QueueSnapshot tieLow = queue(4, 5_000, "a", 4);
        QueueSnapshot tieHigh = queue(5, 5_000, "a", 5); // same event time: the later stream sequence wins
        QueueSnapshot tieBefore = queue(6, 5_000, "c", 6);
        QueueSnapshot tieAfter = queue(7, 5_000, "c", 7);
        BatchTriage triage = BatchTriage.of(List.of(older, newest, stale, tieHigh, tieLow, tieAfter, tieBefore),
                NOTHING_APPLIED, CUTOVER, Partitioning.WHOLE);
        assertEquals(List.of(APPLIED, APPLIED, APPLIED, APPLIED, APPLIED, APPLIED, APPLIED), triage.dispositions());
        assertEquals(List.of(tieHigh, newest, tieAfter), triage.queues(), "newest per instance, ordered by key");
    }

    @Test
    void queueSnapshotsBeforeTheCutoverAreStillRecorded() {
        QueueSnapshot old = queue(1, CUTOVER - 60_000, "x", 0);
        BatchTriage triage = BatchTriage.of(List.of(old), NOTHING_APPLIED, CUTOVER, Partitioning.WHOLE);
        assertEquals(List.of(APPLIED), triage.dispositions());
        assertEquals(List.of(old), triage.queues());
    }

    @Test
    void poisonIsRejectedWithItsPositionInTheBatchAndItsReason() {
        List<Decoded> batch = List.of(message(1, CUTOVER), new Rejected(2, "invalid JSON"), message(1, CUTOVER),
                new Rejected(3, "payload.content is missing"), new Rejected(4, "already applied"));
        BatchTriage triage = BatchTriage.of(batch, seq -> seq == 4, CUTOVER, Partitioning.WHOLE);
        assertEquals(List.of(APPLIED, REJECTED, DUPLICATE, REJECTED, DUPLICATE), triage.dispositions());
        assertEquals(List.of(1, 3), triage.rejected(), "positions in the batch, repeats and duplicates counted");
        assertEquals(List.of("invalid JSON", "payload.content is missing"), triage.rejectReasons());
        assertEquals(List.of(1L, 2L, 3L), triage.fresh(), "poison is marked applied with the rest");
    }

    @Test
    void bareSubjectsReplaysAndInstanceEventsAreIgnored() {
        BatchTriage triage = BatchTriage.of(List.of(new Ignored(1, "bare subject"),
                new InstanceStatus(2, CUTOVER + 50, "instance-1", true),
                new InstanceStatus(3, CUTOVER + 40, "instance-1", false)), NOTHING_APPLIED, CUTOVER, Partitioning.WHOLE);
        assertEquals(List.of(IGNORED, IGNORED, IGNORED), triage.dispositions());
        assertEquals(List.of(1L, 2L, 3L), triage.fresh());
        assertEquals(List.of(), triage.messages());
        assertEquals(List.of(), triage.queues());
        assertEquals(CUTOVER + 50, triage.lastEventMs());
    }

    @Test
    void lastEventMsIsTheNewestEventTimeAmongFreshMessagesOfAnyKind() {
        List<Decoded> batch = List.of(message(1, CUTOVER + 1), message(2, CUTOVER - 1),
                execution(3, CUTOVER + 30), queue(4, CUTOVER + 20, "q", 0),
                new InstanceStatus(5, CUTOVER + 10, "i", true), new Ignored(6, "bare"), new Rejected(7, "bad"),
                message(8, CUTOVER + 99_999));
        assertEquals(CUTOVER + 30, BatchTriage.of(batch, seq -> seq == 8, CUTOVER, Partitioning.WHOLE).lastEventMs(),
                "the duplicate's time is not taken");
        assertEquals(CUTOVER + 99_999, BatchTriage.of(batch, NOTHING_APPLIED, CUTOVER, Partitioning.WHOLE).lastEventMs());
        assertEquals(0, BatchTriage.of(List.of(new Ignored(1, "bare"), new Rejected(2, "bad")), NOTHING_APPLIED,
                CUTOVER, Partitioning.WHOLE).lastEventMs(), "0 when no fresh message has an event time");
        assertEquals(0, BatchTriage.of(batch, seq -> true, CUTOVER, Partitioning.WHOLE).lastEventMs(), "0 when nothing is fresh");
    }

    @Test
    void lastSeqIsTheHighestFreshSequenceOrZero() {
        List<Decoded> batch = List.of(message(12, CUTOVER), message(30, CUTOVER), message(5, CUTOVER));
        assertEquals(30, BatchTriage.of(batch, NOTHING_APPLIED, CUTOVER, Partitioning.WHOLE).lastSeq());
        assertEquals(12, BatchTriage.of(batch, seq -> seq == 30, CUTOVER, Partitioning.WHOLE).lastSeq(), "a duplicate is not fresh");
        assertEquals(0, BatchTriage.of(batch, seq -> true, CUTOVER, Partitioning.WHOLE).lastSeq());
        assertEquals(0, BatchTriage.of(List.of(), NOTHING_APPLIED, CUTOVER, Partitioning.WHOLE).lastSeq());
    }

    /**
     * Random batches with repeated sequences and a random record of earlier batches: every message gets exactly
     * one disposition, the fresh sequences are those not applied in their first occurrence, and every list the
     * triage hands the store agrees with the dispositions. The expectation is computed here from the rules, not
     * from the triage.
     */
    @Test
    void randomBatchesGetOneConsistentDispositionPerMessage() {
        for (int round = 0; round < 2_000; round++) {
            SplittableRandom random = new SplittableRandom(round);
            int size = random.nextInt(0, 40);
            long maxSeq = Math.max(1, size + random.nextInt(0, 3) - size / 2); // repeats are common
            List<Decoded> batch = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                batch.add(randomDecoded(random, 1 + random.nextLong(maxSeq)));
            }
            Set<Long> earlier = new HashSet<>();
            for (long seq = 1; seq <= maxSeq; seq++) {
                if (random.nextInt(4) == 0) {
                    earlier.add(seq);
                }
            }
            assertTriage("round " + round + " " + batch + " applied " + earlier,
                    batch, earlier, BatchTriage.of(batch, earlier::contains, CUTOVER, Partitioning.WHOLE));
        }
    }

    private static void assertTriage(String what, List<Decoded> batch, Set<Long> earlier, BatchTriage triage) {
        List<Disposition> dispositions = new ArrayList<>();
        Set<Long> fresh = new LinkedHashSet<>();
        List<MessageEvent> messages = new ArrayList<>();
        Map<String, QueueSnapshot> queues = new TreeMap<>();
        List<Integer> rejected = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        long lastEventMs = 0;
        for (int i = 0; i < batch.size(); i++) {
            Decoded event = batch.get(i);
            if (earlier.contains(event.streamSeq()) || !fresh.add(event.streamSeq())) {
                dispositions.add(DUPLICATE);
                continue;
            }
            if (event instanceof MessageEvent message && message.epochMs() >= CUTOVER) {
                dispositions.add(APPLIED);
                messages.add(message);
            } else if (event instanceof QueueSnapshot snapshot) {
                dispositions.add(APPLIED);
                queues.merge(snapshot.instanceKey(), snapshot, (a, b) -> Comparator
                        .comparingLong(QueueSnapshot::epochMs).thenComparingLong(QueueSnapshot::streamSeq)
                        .compare(a, b) >= 0 ? a : b);
            } else if (event instanceof Rejected reject) {
                dispositions.add(REJECTED);
                rejected.add(i);
                reasons.add(reject.reason());
            } else {
                dispositions.add(IGNORED);
            }
            lastEventMs = Math.max(lastEventMs, switch (event) {
                case MessageEvent m -> m.epochMs();
                case AutomationExecution e -> e.epochMs();
                case QueueSnapshot q -> q.epochMs();
                case InstanceStatus s -> s.epochMs();
                case Ignored ignored -> 0L;
                case Rejected reject -> 0L;
            });
        }
        assertEquals(batch.size(), triage.dispositions().size(), what + ": one disposition per message");
        assertEquals(dispositions, triage.dispositions(), what);
        assertEquals(List.copyOf(fresh), triage.fresh(), what + ": fresh");
        assertEquals(messages, triage.messages(), what + ": messages");
        assertEquals(List.copyOf(queues.values()), triage.queues(), what + ": queues");
        assertEquals(rejected, triage.rejected(), what + ": rejected");
        assertEquals(reasons, triage.rejectReasons(), what + ": reasons");
        assertEquals(lastEventMs, triage.lastEventMs(), what + ": lastEventMs");
        assertEquals(fresh.stream().mapToLong(Long::longValue).max().orElse(0), triage.lastSeq(), what + ": lastSeq");

        Map<Disposition, Long> counts = new EnumMap<>(Disposition.class);
        triage.dispositions().forEach(d -> counts.merge(d, 1L, Long::sum));
        assertEquals(batch.size(), counts.values().stream().mapToLong(Long::longValue).sum(), what);
        assertEquals(batch.size() - triage.fresh().size(), counts.getOrDefault(DUPLICATE, 0L), what + ": duplicates");
        assertEquals(triage.rejected().size(), counts.getOrDefault(REJECTED, 0L), what + ": rejected");
        long freshQueues = batch.stream().filter(d -> d instanceof QueueSnapshot).map(Decoded::streamSeq)
                .distinct().filter(seq -> firstIsQueue(batch, seq) && !earlier.contains(seq)).count();
        assertEquals(triage.messages().size() + freshQueues, counts.getOrDefault(APPLIED, 0L), what + ": applied");
    }

    private static boolean firstIsQueue(List<Decoded> batch, long seq) {
        return batch.stream().filter(d -> d.streamSeq() == seq).findFirst().orElseThrow() instanceof QueueSnapshot;
    }

    private static Decoded randomDecoded(SplittableRandom random, long seq) {
        long epochMs = CUTOVER + random.nextLong(-3, 4); // on both sides of the cutover, with ties
        return switch (random.nextInt(6)) {
            case 0 -> message(seq, epochMs);
            case 1 -> execution(seq, epochMs);
            case 2 -> queue(seq, epochMs, "q" + random.nextInt(3), random.nextInt(5));
            case 3 -> new InstanceStatus(seq, epochMs, "i" + random.nextInt(3), random.nextBoolean());
            case 4 -> new Ignored(seq, "ignored " + seq);
            default -> new Rejected(seq, "poison " + random.nextInt(1_000));
        };
    }

    private static MessageEvent message(long seq, long epochMs) {
        return new MessageEvent(seq, MessageKind.RECEIVED, "event-" + seq, epochMs, Optional.empty(), "discord",
                Optional.empty(), Optional.empty(), Optional.of("external-" + seq));
    }

    private static AutomationExecution execution(long seq, long epochMs) {
        return new AutomationExecution(seq, epochMs, "success", 1, Optional.of(5L));
    }

    private static QueueSnapshot queue(long seq, long epochMs, String instanceKey, int active) {
        return new QueueSnapshot(seq, epochMs, instanceKey, active, active * 2);
    }

    private static List<Long> seqs(List<MessageEvent> messages) {
        return messages.stream().map(MessageEvent::streamSeq).toList();
    }
}
