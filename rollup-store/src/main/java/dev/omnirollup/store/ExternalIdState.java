package dev.omnirollup.store;

import dev.omnirollup.store.Decoded.MessageKind;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * What the index holds for one external id: the live events seen for it recently (sorted by stream sequence,
 * duplicates impossible because each message is applied once), what older events left ({@link FoldedFacts}), and
 * Omni's rows from before the cutover that carry it ({@code seedsLoaded} once they were looked up; only receipts
 * need them). Immutable; {@link ExternalIdStateCodec} gives the stored form.
 */
record ExternalIdState(boolean seedsLoaded, List<SeedRow> appliedSeeds, FoldedFacts folded, List<LiveFact> facts) {
    static final ExternalIdState EMPTY = new ExternalIdState(false, List.of(), FoldedFacts.NONE, List.of());

    ExternalIdState {
        appliedSeeds = List.copyOf(appliedSeeds);
        facts = List.copyOf(facts);
    }

    /**
     * What the events up to {@code throughSeq} left, so they need not be replayed: the rows they inserted with
     * their statuses now, whether a delivered among them completed the seed rows, and whether rows were sealed
     * (dropped from here once there were too many: still counted and still existing for receipts, but a later
     * delivered no longer changes their status).
     */
    record FoldedFacts(long throughSeq, boolean delivered, boolean sealedRows, Map<RowGroup, Long> rows) {
        static final FoldedFacts NONE = new FoldedFacts(0, false, false, Map.of());

        FoldedFacts {
            rows = Map.copyOf(rows);
        }
    }

    /** Recent facts kept at most, however many arrived within the settle window. */
    static final int MAX_RECENT_FACTS = 1_024;

    /**
     * Folds the facts older than {@code settleWindow} sequences before the newest one into {@link FoldedFacts} once
     * there are more than {@code maxFacts} of them (facts that old can no longer arrive out of order in practice; one
     * that does is replayed as if right after the folded ones), keeps at most {@link #MAX_RECENT_FACTS} facts in any
     * case, and seals folded rows beyond {@code maxFoldedRows}: completed ones first (a receipt cannot change them),
     * then the oldest.
     *
     * @return the compacted state and the number of rows sealed
     */
    Compacted compact(int maxFacts, long settleWindow, int maxFoldedRows) {
        if (facts.size() <= maxFacts) {
            return new Compacted(this, 0);
        }
        long limit = facts.get(facts.size() - 1).streamSeq() - settleWindow;
        int settled = 0;
        while (settled < facts.size() && facts.get(settled).streamSeq() <= limit) {
            settled++;
        }
        settled = Math.max(settled, facts.size() - MAX_RECENT_FACTS);
        if (settled == 0) {
            return new Compacted(this, 0);
        }
        List<LiveFact> prefix = facts.subList(0, settled);
        Contribution replayed = Contribution.of(appliedSeeds, folded, prefix);
        boolean delivered = folded.delivered() || prefix.stream().anyMatch(f -> f.kind() == MessageKind.DELIVERED);
        Map<RowGroup, Long> rows = new HashMap<>(replayed.liveRows());
        long sealed = 0;
        if (rows.size() > maxFoldedRows) {
            List<RowGroup> order = new ArrayList<>(rows.keySet());
            order.sort(Comparator.comparing((RowGroup row) -> !row.status().equals("completed"))
                    .thenComparingLong(RowGroup::epochSecond));
            for (RowGroup row : order.subList(0, rows.size() - maxFoldedRows)) {
                sealed += rows.remove(row);
            }
        }
        FoldedFacts compacted = new FoldedFacts(prefix.get(prefix.size() - 1).streamSeq(), delivered,
                folded.sealedRows() || sealed > 0, rows);
        return new Compacted(new ExternalIdState(seedsLoaded, appliedSeeds, compacted,
                facts.subList(settled, facts.size())), sealed);
    }

    /** A compacted state and the rows it sealed. */
    record Compacted(ExternalIdState state, long sealedRows) {
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

    /** A live message event for this external id, reduced to what its rows need. */
    record LiveFact(long streamSeq, MessageKind kind, long epochMs, UUID instanceId, String channel,
                    String contentType, String errorStage) {
        LiveFact {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(channel, "channel");
        }

        static LiveFact of(Decoded.MessageEvent event) {
            return new LiveFact(event.streamSeq(), event.kind(), event.epochMs(), event.instanceId().orElse(null),
                    event.channel(), event.contentType().orElse(null), event.errorStage().orElse(null));
        }

        /** The row this event inserts when it inserts one (docs/input-rules.md, "The five handlers"). */
        RowGroup row() {
            return switch (kind) {
                case RECEIVED -> RowGroup.live(epochMs, instanceId, channel, "inbound", kind.eventType(),
                        contentType, null, "received");
                case SENT -> RowGroup.live(epochMs, instanceId, channel, "outbound", kind.eventType(),
                        contentType, null, "completed");
                case FAILED -> RowGroup.live(epochMs, instanceId, channel, "outbound", kind.eventType(),
                        null, errorStage, "failed");
                case DELIVERED, READ -> RowGroup.live(epochMs, instanceId, channel, "outbound", kind.eventType(),
                        null, null, "completed");
            };
        }
    }

    static final Comparator<LiveFact> STREAM_ORDER = Comparator.comparingLong(LiveFact::streamSeq);

    /** This state with more live facts, kept in stream order. */
    ExternalIdState withFacts(List<LiveFact> more) {
        List<LiveFact> all = new ArrayList<>(facts);
        all.addAll(more);
        all.sort(STREAM_ORDER);
        return new ExternalIdState(seedsLoaded, appliedSeeds, folded, all);
    }

    /** This state with the rows found in Omni's table. */
    ExternalIdState withSeeds(List<SeedRow> seeds) {
        return new ExternalIdState(true, seeds, folded, facts);
    }

    /** What these facts contribute to the counters. */
    Contribution contribution() {
        return Contribution.of(appliedSeeds, folded, facts);
    }

    /** True when the facts include a receipt, the only kind of event whose effect depends on earlier rows. */
    boolean needsSeeds() {
        return !seedsLoaded && facts.stream().anyMatch(f -> f.kind() == MessageKind.DELIVERED || f.kind() == MessageKind.READ);
    }
}
