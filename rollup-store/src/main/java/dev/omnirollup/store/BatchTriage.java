package dev.omnirollup.store;

import dev.omnirollup.store.Decoded.AutomationExecution;
import dev.omnirollup.store.Decoded.Ignored;
import dev.omnirollup.store.Decoded.InstanceStatus;
import dev.omnirollup.store.Decoded.MessageEvent;
import dev.omnirollup.store.Decoded.QueueSnapshot;
import dev.omnirollup.store.Decoded.Rejected;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongPredicate;

/**
 * What a batch of decoded messages asks of the store, decided without it: which messages were applied before
 * (duplicates), which are counted (message events from the cutover on), which only recorded (the newest queue
 * snapshot per instance), which set aside (poison) and which acknowledged without effect (bare subjects, replays,
 * events before the cutover, automation messages — the {@code automation_logs} row is the record of an execution —
 * and instance events), and which belong to another ingest partition. Pure.
 *
 * @param dispositions  one per message, in the batch's order
 * @param fresh         the stream sequences applied for the first time (to mark in the exactly-once record)
 * @param messages      the message events to fold
 * @param queues        the newest queue snapshot per instance key, ordered by key
 * @param rejected      the positions in the batch of the poison messages
 * @param rejectReasons their reasons, in the same order
 * @param lastEventMs   the newest event time among the fresh messages (0 when none has one)
 */
record BatchTriage(List<BatchApplier.Disposition> dispositions, List<Long> fresh, List<MessageEvent> messages,
                   List<QueueSnapshot> queues, List<Integer> rejected, List<String> rejectReasons, long lastEventMs) {

    BatchTriage {
        dispositions = List.copyOf(dispositions);
        fresh = List.copyOf(fresh);
        messages = List.copyOf(messages);
        queues = List.copyOf(queues);
        rejected = List.copyOf(rejected);
        rejectReasons = List.copyOf(rejectReasons);
    }

    /**
     * @param decoded    the batch, decoded, in its order
     * @param applied    whether a stream sequence was applied by an earlier batch
     * @param cutoverMs  message events before it are backfill's
     * @param partition  the messages it does not own are another partition's
     */
    static BatchTriage of(List<Decoded> decoded, LongPredicate applied, long cutoverMs, Partitioning partition) {
        List<BatchApplier.Disposition> dispositions = new ArrayList<>(decoded.size());
        List<Long> fresh = new ArrayList<>();
        List<MessageEvent> messages = new ArrayList<>();
        Map<String, QueueSnapshot> queues = new HashMap<>();
        List<Integer> rejected = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        long lastEventMs = 0;
        for (int i = 0; i < decoded.size(); i++) {
            Decoded event = decoded.get(i);
            long seq = event.streamSeq();
            if (!partition.owns(event)) {
                dispositions.add(BatchApplier.Disposition.ELSEWHERE);
                continue;
            }
            if (applied.test(seq) || !seen.add(seq)) {
                dispositions.add(BatchApplier.Disposition.DUPLICATE);
                continue;
            }
            fresh.add(seq);
            BatchApplier.Disposition disposition = switch (event) {
                case MessageEvent message when message.epochMs() < cutoverMs -> BatchApplier.Disposition.IGNORED;
                case MessageEvent message -> {
                    messages.add(message);
                    yield BatchApplier.Disposition.APPLIED;
                }
                case AutomationExecution execution -> BatchApplier.Disposition.IGNORED;
                case QueueSnapshot snapshot -> {
                    queues.merge(snapshot.instanceKey(), snapshot, BatchTriage::newer);
                    yield BatchApplier.Disposition.APPLIED;
                }
                case Rejected reject -> {
                    rejected.add(i);
                    reasons.add(reject.reason());
                    yield BatchApplier.Disposition.REJECTED;
                }
                case Ignored ignored -> BatchApplier.Disposition.IGNORED;
                case InstanceStatus status -> BatchApplier.Disposition.IGNORED;
            };
            dispositions.add(disposition);
            lastEventMs = Math.max(lastEventMs, eventMs(event));
        }
        List<QueueSnapshot> newest = queues.values().stream()
                .sorted(Comparator.comparing(QueueSnapshot::instanceKey)).toList();
        return new BatchTriage(dispositions, fresh, messages, newest, rejected, reasons, lastEventMs);
    }

    /** The highest fresh stream sequence, or 0. */
    long lastSeq() {
        return fresh.stream().mapToLong(Long::longValue).max().orElse(0);
    }

    private static QueueSnapshot newer(QueueSnapshot a, QueueSnapshot b) {
        return a.epochMs() > b.epochMs() || (a.epochMs() == b.epochMs() && a.streamSeq() > b.streamSeq()) ? a : b;
    }

    private static long eventMs(Decoded event) {
        return switch (event) {
            case MessageEvent message -> message.epochMs();
            case AutomationExecution execution -> execution.epochMs();
            case QueueSnapshot snapshot -> snapshot.epochMs();
            case InstanceStatus status -> status.epochMs();
            case Ignored ignored -> 0;
            case Rejected rejected -> 0;
        };
    }
}
