package dev.omnirollup.store;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * What the index holds for one external id: exactly what a later event with that id can still change, and nothing
 * of the events that can no longer matter. Immutable; {@link #apply} gives the state after one more event together
 * with what that event changes in the counters; {@link ExternalIdStateCodec} gives the stored form.
 *
 * <p>Upstream's rules for one external id (docs/input-rules.md, "The five handlers"), applied in stream order over
 * Omni's rows from before the cutover (the seeds), reduce to three facts about the <em>set</em> of events:
 * <ul>
 *   <li>a received, sent or failed event inserts its row, which ends up {@code completed} if a delivered with a
 *       later stream sequence exists, else with its own status;</li>
 *   <li>a receipt inserts a row of its own only when it is the first event of the id and no seed exists (every
 *       first event inserts a row, so no later receipt ever finds the id without one);</li>
 *   <li>the seeds end up {@code completed} once any delivered exists.</li>
 * </ul>
 * So the state keeps the newest delivered's sequence, the first event's sequence (with the row it inserted, when it
 * was a receipt), the seeds until a delivered completes them, and the rows not yet completed that a later delivered
 * would complete: the non-completed rows inserted after the newest delivered. Applying an event is then a constant
 * amount of work plus the rows it completes, whatever the order events arrive in and however often the id was
 * used before.
 *
 * @param seedsDecided  whether the seeds were looked up (or, once the lookup window is over, taken as none)
 * @param hasSeeds      whether Omni had rows with this id before the cutover
 * @param seeds         the seeds a delivered has still to complete (empty once one has; completed ones are left out)
 * @param lastDelivered stream sequence of the newest delivered applied, 0 when none
 * @param firstSeq      stream sequence of the oldest event applied, 0 when none
 * @param firstRow      the row the first event inserted when that event is a receipt, else null
 * @param pending       rows inserted after {@code lastDelivered} whose status is not {@code completed}, by sequence
 *                      (those held here; see {@code spilled})
 * @param spilled       whether more such rows were set aside in {@code message_pending} ({@link #spill}): an id
 *                      reused without receipts (Telegram's inbound messages) collects many, and rewriting them all
 *                      with every event would make its cost grow with its history; a delivered needs them back
 *                      ({@link #withUnspilled}) before it applies
 */
record ExternalIdState(boolean seedsDecided, boolean hasSeeds, List<SeedRow> seeds, long lastDelivered,
                       long firstSeq, RowGroup firstRow, List<Pending> pending, boolean spilled) {
    static final ExternalIdState EMPTY = new ExternalIdState(false, false, List.of(), 0, 0, null, List.of(), false);
    private static final String COMPLETED = "completed";

    ExternalIdState {
        seeds = List.copyOf(seeds);
        pending = List.copyOf(pending);
    }

    /**
     * A row of Omni's from before the cutover with this external id, as found in {@code omni_events}.
     *
     * @param status the status backfill counts it with
     */
    record SeedRow(UUID rowId, long minute, UUID instanceId, String status) {
        SeedRow {
            Objects.requireNonNull(rowId, "rowId");
            Objects.requireNonNull(status, "status");
        }
    }

    /** A row a later delivered would complete: inserted by the event at {@code streamSeq}. */
    record Pending(long streamSeq, RowGroup row) {
    }

    /** The row a message event inserts when it inserts one (docs/input-rules.md, "The five handlers"). */
    static RowGroup rowOf(Decoded.MessageEvent event) {
        long epochMs = event.epochMs();
        UUID instance = event.instanceId().orElse(null);
        String channel = event.channel();
        String type = event.kind().eventType();
        return switch (event.kind()) {
            case RECEIVED -> RowGroup.live(epochMs, instance, channel, "inbound", type,
                    event.contentType().orElse(null), null, "received");
            case SENT -> RowGroup.live(epochMs, instance, channel, "outbound", type,
                    event.contentType().orElse(null), null, COMPLETED);
            case FAILED -> RowGroup.live(epochMs, instance, channel, "outbound", type, null,
                    event.errorStage().orElse(null), "failed");
            case DELIVERED, READ -> RowGroup.live(epochMs, instance, channel, "outbound", type, null, null, COMPLETED);
        };
    }

    /** This state with its seeds decided: the rows found in Omni's table (none after the lookup window). */
    ExternalIdState withSeeds(List<SeedRow> found) {
        if (seedsDecided) {
            return this;
        }
        List<SeedRow> open = found.stream().filter(seed -> !seed.status().equals(COMPLETED)).toList();
        return new ExternalIdState(true, !found.isEmpty(), lastDelivered == 0 ? open : List.of(), lastDelivered,
                firstSeq, firstRow, pending, spilled);
    }

    /**
     * The state after one more event with this id (one never applied before, at any position in the stream), and
     * what it changes in {@code deltas}. A receipt must come after the seeds were decided ({@link #withSeeds}).
     */
    ExternalIdState apply(Decoded.MessageEvent event, RollupChanges deltas) {
        long seq = event.streamSeq();
        boolean first = firstSeq == 0 || seq < firstSeq;
        RowGroup newFirstRow = first ? null : firstRow;
        if (first && firstRow != null) {
            deltas.addRows(firstRow, -1); // an earlier event exists now: the receipt found a row after all
        }
        long newFirstSeq = first ? seq : firstSeq;
        RowGroup row = rowOf(event);
        return switch (event.kind()) {
            case RECEIVED, SENT, FAILED -> {
                RowGroup counted = seq < lastDelivered ? row.withStatus(COMPLETED) : row;
                deltas.addRows(counted, 1);
                List<Pending> morePending = pending;
                if (!counted.status().equals(COMPLETED)) {
                    morePending = new ArrayList<>(pending.size() + 1);
                    int at = 0;
                    while (at < pending.size() && pending.get(at).streamSeq() < seq) {
                        at++;
                    }
                    morePending.addAll(pending.subList(0, at));
                    morePending.add(new Pending(seq, counted));
                    morePending.addAll(pending.subList(at, pending.size()));
                }
                yield new ExternalIdState(seedsDecided, hasSeeds, seeds, lastDelivered, newFirstSeq, newFirstRow,
                        morePending, spilled);
            }
            case DELIVERED, READ -> {
                if (event.kind() == Decoded.MessageKind.DELIVERED && spilled) {
                    throw new IllegalStateException("a delivered needs the rows set aside first");
                }
                if (first && !hasSeeds) {
                    newFirstRow = row;
                    deltas.addRows(row, 1);
                }
                if (event.kind() == Decoded.MessageKind.READ || seq <= lastDelivered) {
                    yield new ExternalIdState(seedsDecided, hasSeeds, seeds, lastDelivered, newFirstSeq,
                            newFirstRow, pending, spilled);
                }
                int completed = 0;
                while (completed < pending.size() && pending.get(completed).streamSeq() < seq) {
                    RowGroup was = pending.get(completed).row();
                    deltas.addRows(was, -1);
                    deltas.addRows(was.withStatus(COMPLETED), 1);
                    completed++;
                }
                for (SeedRow seed : seeds) {
                    deltas.moveStatus(seed.minute(), seed.instanceId(), seed.status(), COMPLETED, 1);
                }
                yield new ExternalIdState(seedsDecided, hasSeeds, List.of(), seq, newFirstSeq, newFirstRow,
                        pending.subList(completed, pending.size()), spilled);
            }
        };
    }

    /**
     * This state without the pending rows older than {@code floorSecond}: a delivered arriving more than the index
     * horizon after a row no longer completes it (the same bound as for an id idle that long, which leaves the
     * index). Keeps the state of an id reused without receipts (Telegram's inbound messages) bounded.
     */
    ExternalIdState withoutPendingBefore(long floorSecond) {
        int firstOlder = 0; // pending rows are in stream order, not time order: look at each
        while (firstOlder < pending.size() && pending.get(firstOlder).row().epochSecond() >= floorSecond) {
            firstOlder++;
        }
        if (firstOlder == pending.size()) {
            return this;
        }
        return new ExternalIdState(seedsDecided, hasSeeds, seeds, lastDelivered, firstSeq, firstRow,
                pending.stream().filter(p -> p.row().epochSecond() >= floorSecond).toList(), spilled);
    }

    /** A state whose oldest pending rows were set aside, and those rows. */
    record Spill(ExternalIdState state, List<Pending> rows) {
    }

    /** Sets aside all but the newest {@code keep} pending rows (none when there are no more than that). */
    Spill spill(int keep) {
        if (pending.size() <= keep) {
            return new Spill(this, List.of());
        }
        int cut = pending.size() - keep;
        return new Spill(new ExternalIdState(seedsDecided, hasSeeds, seeds, lastDelivered, firstSeq, firstRow,
                pending.subList(cut, pending.size()), true), pending.subList(0, cut));
    }

    /** This state with the rows it had set aside back among its pending rows. */
    ExternalIdState withUnspilled(List<Pending> rows) {
        List<Pending> all = new ArrayList<>(pending.size() + rows.size());
        all.addAll(pending);
        all.addAll(rows);
        all.sort(Comparator.comparingLong(Pending::streamSeq));
        return new ExternalIdState(seedsDecided, hasSeeds, seeds, lastDelivered, firstSeq, firstRow, all, false);
    }
}
