package dev.omnirollup.store;

import dev.omnirollup.store.Decoded.MessageEvent;
import dev.omnirollup.store.ExternalIdState.LiveFact;
import dev.omnirollup.store.ExternalIdState.SeedRow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The pure fold of a batch of message events into counter deltas. Events without an external id insert a row
 * each. Events with one are added to that id's state and the id's whole contribution is recomputed in stream
 * order; the delta is the new contribution minus the old one, so the result does not depend on the order in
 * which batches arrive (several workers, redeliveries).
 */
final class MessageFold {
    private MessageFold() {
    }

    /**
     * @param deltas     counter changes
     * @param states     the new state of every external id the batch touched
     * @param sealedRows rows sealed by compaction in this batch (see {@link ExternalIdState#compact})
     */
    record Result(RollupChanges changes, Map<String, ExternalIdState> states, long sealedRows) {
    }

    /**
     * When an external id's state is compacted: more than {@code maxFacts} events, of which those older than
     * {@code settleWindow} stream sequences before the newest are folded into the rows they left, keeping at most
     * {@code maxFoldedRows} distinct rows.
     */
    record Compaction(int maxFacts, long settleWindow, int maxFoldedRows) {
        static final Compaction DEFAULT = new Compaction(32, 25_000, 32);
    }

    /**
     * @param events      message events at or after the cutover, each applied for the first time
     * @param current     the stored state of every external id among the events (absent = never seen)
     * @param seeds       Omni's rows from before the cutover for the external ids whose seeds were just looked up
     *                    (see {@link ExternalIdState#needsSeeds()}); the others keep the seeds they have
     * @param minuteFloor minute buckets before this epoch second are not written
     */
    static Result fold(List<MessageEvent> events, Map<String, ExternalIdState> current,
                       Map<String, List<SeedRow>> seeds, long minuteFloor) {
        return fold(events, current, seeds, minuteFloor, Compaction.DEFAULT, true);
    }

    /**
     * @param compaction   when to compact states
     * @param seedsPending true while seeds can still be looked up: a state that needs them and has not got them
     *                     is not compacted (its receipts must be replayed against them once they are known)
     */
    static Result fold(List<MessageEvent> events, Map<String, ExternalIdState> current,
                       Map<String, List<SeedRow>> seeds, long minuteFloor, Compaction compaction,
                       boolean seedsPending) {
        RollupChanges deltas = new RollupChanges(minuteFloor);
        Map<String, List<LiveFact>> byExternalId = new TreeMap<>();
        for (MessageEvent event : events) {
            LiveFact fact = LiveFact.of(event);
            if (event.externalId().isPresent()) {
                byExternalId.computeIfAbsent(event.externalId().get(), k -> new ArrayList<>()).add(fact);
            } else {
                deltas.addRows(fact.row(), 1);
            }
        }
        Map<String, ExternalIdState> states = new LinkedHashMap<>();
        long sealed = 0;
        for (Map.Entry<String, List<LiveFact>> entry : byExternalId.entrySet()) {
            ExternalIdState before = current.getOrDefault(entry.getKey(), ExternalIdState.EMPTY);
            ExternalIdState after = before.withFacts(entry.getValue());
            if (seeds.containsKey(entry.getKey())) {
                after = after.withSeeds(seeds.get(entry.getKey()));
            }
            Contribution.addDifference(before.contribution(), after.contribution(), deltas);
            if (after.seedsLoaded() || !seedsPending) {
                ExternalIdState.Compacted compacted = after.compact(compaction.maxFacts(), compaction.settleWindow(),
                        compaction.maxFoldedRows());
                after = compacted.state();
                sealed += compacted.sealedRows();
            }
            states.put(entry.getKey(), after);
        }
        return new Result(deltas, states, sealed);
    }

    /**
     * The external ids among these events whose rows from before the cutover must be looked up before folding:
     * those that have a receipt once the events are added and were never looked up.
     */
    static Set<String> needingSeeds(List<MessageEvent> events, Map<String, ExternalIdState> current) {
        return needingSeeds(events, current, Compaction.DEFAULT);
    }

    /** As {@link #needingSeeds(List, Map)}, for states compacted by {@code compaction}. */
    static Set<String> needingSeeds(List<MessageEvent> events, Map<String, ExternalIdState> current,
                                    Compaction compaction) {
        Set<String> needing = new TreeSet<>();
        for (MessageEvent event : events) {
            if (event.externalId().isEmpty()) {
                continue;
            }
            String id = event.externalId().get();
            ExternalIdState state = current.getOrDefault(id, ExternalIdState.EMPTY);
            boolean receipt = event.kind() == Decoded.MessageKind.DELIVERED || event.kind() == Decoded.MessageKind.READ;
            // receipts need them; so does a state about to be compacted (its receipts cannot be replayed later)
            boolean compacting = state.facts().size() >= compaction.maxFacts();
            if (!state.seedsLoaded() && (receipt || compacting || state.needsSeeds())) {
                needing.add(id);
            }
        }
        return needing;
    }
}
