package dev.omnirollup.store;

import dev.omnirollup.store.ExternalIdState.FoldedFacts;
import dev.omnirollup.store.ExternalIdState.LiveFact;
import dev.omnirollup.store.ExternalIdState.SeedRow;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The live layer's share of the counters for one external id: the rows its live events inserted (a multiset, with
 * the statuses they end up with) and the seed rows whose status those events changed. Computed by replaying the
 * events in stream order over the seed rows and the folded facts (what older events left), exactly as upstream's
 * persistence would have processed them (docs/input-rules.md, "The five handlers"): received/sent/failed insert a row; delivered sets every
 * existing row to completed or, when there is none, inserts a delivered row; read inserts a read row only when
 * there is none.
 */
record Contribution(Map<RowGroup, Long> liveRows, List<Flip> seedFlips) {
    static final Contribution NONE = new Contribution(Map.of(), List.of());

    /** A seed row whose status the live events changed from the one backfill counts. */
    record Flip(SeedRow seed, String to) {
    }

    static Contribution of(List<SeedRow> seeds, FoldedFacts folded, List<LiveFact> factsInStreamOrder) {
        if (factsInStreamOrder.isEmpty() && folded.rows().isEmpty() && !folded.delivered()) {
            return NONE;
        }
        boolean seedsCompleted = folded.delivered();
        Map<RowGroup, Long> live = new HashMap<>(folded.rows());
        for (LiveFact fact : factsInStreamOrder) {
            boolean anyRow = !seeds.isEmpty() || !live.isEmpty() || folded.sealedRows();
            switch (fact.kind()) {
                case RECEIVED, SENT, FAILED -> live.merge(fact.row(), 1L, Long::sum);
                case DELIVERED -> {
                    if (anyRow) {
                        seedsCompleted = true;
                        live = completed(live);
                    } else {
                        live.merge(fact.row(), 1L, Long::sum);
                    }
                }
                case READ -> {
                    if (!anyRow) {
                        live.merge(fact.row(), 1L, Long::sum);
                    }
                }
            }
        }
        List<Flip> flips = new ArrayList<>();
        if (seedsCompleted) {
            for (SeedRow seed : seeds) {
                if (!seed.status().equals("completed")) {
                    flips.add(new Flip(seed, "completed"));
                }
            }
        }
        return new Contribution(Map.copyOf(live), List.copyOf(flips));
    }

    /** The same rows, every one completed. */
    static Map<RowGroup, Long> completed(Map<RowGroup, Long> rows) {
        Map<RowGroup, Long> completed = new HashMap<>();
        rows.forEach((row, n) -> completed.merge(row.withStatus("completed"), n, Long::sum));
        return completed;
    }

    /**
     * Adds {@code now - before} to the deltas, row by row: rows present in both cancel without touching a counter
     * (a receipt for a message that is already {@code completed} changes nothing), and a seed row's status moves
     * only by what differs.
     */
    static void addDifference(Contribution before, Contribution now, RollupChanges deltas) {
        if (before.liveRows().equals(now.liveRows()) && before.seedFlips().equals(now.seedFlips())) {
            return;
        }
        Map<RowGroup, Long> rows = new HashMap<>(now.liveRows());
        before.liveRows().forEach((row, n) -> rows.merge(row, -n, Long::sum));
        rows.forEach((row, n) -> deltas.addRows(row, n));
        Map<UUID, String> was = new HashMap<>();
        before.seedFlips().forEach(flip -> was.put(flip.seed().rowId(), flip.to()));
        Map<UUID, Flip> is = new HashMap<>();
        now.seedFlips().forEach(flip -> is.put(flip.seed().rowId(), flip));
        for (Flip flip : before.seedFlips()) {
            if (!is.containsKey(flip.seed().rowId())) {
                deltas.moveStatus(flip.seed().minute(), flip.seed().instanceId(), flip.to(), flip.seed().status(), 1);
            }
        }
        for (Flip flip : now.seedFlips()) {
            String from = was.getOrDefault(flip.seed().rowId(), flip.seed().status());
            deltas.moveStatus(flip.seed().minute(), flip.seed().instanceId(), from, flip.to(), 1);
        }
    }
}
