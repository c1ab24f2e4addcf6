package dev.omnirollup.store;

import dev.omnirollup.store.Decoded.MessageEvent;
import dev.omnirollup.store.ExternalIdState.SeedRow;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The pure fold of a batch of message events into counter deltas. Events without an external id insert a row
 * each. Events with one are applied to that id's state ({@link ExternalIdState#apply}), which gives what each one
 * changes given every event of the id applied before, in whatever order; so the result does not depend on the order
 * in which batches arrive (several workers, redeliveries) and equals upstream's rows for the stream in order.
 */
final class MessageFold {
    private MessageFold() {
    }

    /**
     * @param changes counter changes
     * @param states  the new state of every external id the batch touched
     */
    record Result(RollupChanges changes, Map<String, ExternalIdState> states) {
    }

    /** As {@link #fold(List, Map, Map, long, long)} with no pending row dropped for its age. */
    static Result fold(List<MessageEvent> events, Map<String, ExternalIdState> current,
                       Map<String, List<SeedRow>> seeds, long minuteFloor) {
        return fold(events, current, seeds, minuteFloor, Long.MIN_VALUE);
    }

    /**
     * @param events        message events at or after the cutover, each applied for the first time
     * @param current       the stored state of every external id among the events (absent = never seen)
     * @param seeds         Omni's rows from before the cutover for the external ids whose seeds were just looked up
     *                      (see {@link #needingSeeds}); an id that needs them and is absent here is taken to have
     *                      none (the lookup window is over)
     * @param minuteFloor   minute buckets before this epoch second are not written
     * @param pendingFloor  rows older than this epoch second are no longer completed by a later delivered (see
     *                      {@link ExternalIdState#withoutPendingBefore})
     */
    static Result fold(List<MessageEvent> events, Map<String, ExternalIdState> current,
                       Map<String, List<SeedRow>> seeds, long minuteFloor, long pendingFloor) {
        RollupChanges deltas = new RollupChanges(minuteFloor);
        Map<String, ExternalIdState> states = new LinkedHashMap<>();
        for (MessageEvent event : events) {
            if (event.externalId().isEmpty()) {
                deltas.addRows(ExternalIdState.rowOf(event), 1);
                continue;
            }
            String id = event.externalId().get();
            ExternalIdState state = states.get(id);
            if (state == null) {
                state = current.getOrDefault(id, ExternalIdState.EMPTY);
            }
            if (isReceipt(event)) {
                state = state.withSeeds(seeds.getOrDefault(id, List.of()));
            }
            states.put(id, state.apply(event, deltas));
        }
        states.replaceAll((id, state) -> state.withoutPendingBefore(pendingFloor));
        return new Result(deltas, states);
    }

    /**
     * The external ids among these events whose rows from before the cutover must be looked up before folding:
     * those with a receipt in the batch whose seeds were never decided.
     */
    static Set<String> needingSeeds(List<MessageEvent> events, Map<String, ExternalIdState> current) {
        Set<String> needing = new TreeSet<>();
        for (MessageEvent event : events) {
            if (event.externalId().isPresent() && isReceipt(event)
                    && !current.getOrDefault(event.externalId().get(), ExternalIdState.EMPTY).seedsDecided()) {
                needing.add(event.externalId().get());
            }
        }
        return needing;
    }

    /** Pending rows a state keeps in {@code message_index}; more are set aside ({@link ExternalIdState#spill}). */
    static final int KEPT_PENDING = 16;

    /**
     * The external ids among these events whose set-aside pending rows must be taken back before folding: those
     * with a delivered in the batch (the only event that changes those rows).
     */
    static Set<String> needingUnspill(List<MessageEvent> events, Map<String, ExternalIdState> current) {
        Set<String> needing = new TreeSet<>();
        for (MessageEvent event : events) {
            if (event.kind() == Decoded.MessageKind.DELIVERED && event.externalId().isPresent()
                    && current.getOrDefault(event.externalId().get(), ExternalIdState.EMPTY).spilled()) {
                needing.add(event.externalId().get());
            }
        }
        return needing;
    }

    /** States to store, and the pending rows set aside from them, by id. */
    record Spilled(Map<String, ExternalIdState> states, Map<String, List<ExternalIdState.Pending>> rows) {
    }

    /** Sets aside all but the newest {@link #KEPT_PENDING} pending rows of each state. */
    static Spilled spill(Map<String, ExternalIdState> states) {
        return spill(states, KEPT_PENDING);
    }

    /** Sets aside all but the newest {@code keep} pending rows of each state. */
    static Spilled spill(Map<String, ExternalIdState> states, int keep) {
        Map<String, ExternalIdState> kept = new LinkedHashMap<>();
        Map<String, List<ExternalIdState.Pending>> rows = new LinkedHashMap<>();
        states.forEach((id, state) -> {
            ExternalIdState.Spill spill = state.spill(keep);
            kept.put(id, spill.state());
            if (!spill.rows().isEmpty()) {
                rows.put(id, spill.rows());
            }
        });
        return new Spilled(kept, rows);
    }

    private static boolean isReceipt(MessageEvent event) {
        return event.kind() == Decoded.MessageKind.DELIVERED || event.kind() == Decoded.MessageKind.READ;
    }
}
