package dev.omnirollup.store;

import dev.omnirollup.store.ExternalIdState.LiveFact;
import dev.omnirollup.store.ExternalIdState.SeedRow;
import java.util.ArrayList;
import java.util.List;

/**
 * The live layer's share of the counters for one external id: the rows its live events inserted, with the
 * statuses they end up with, and the seed rows whose status those events changed. Computed by replaying the
 * events in stream order over the seed rows, exactly as upstream's persistence would have processed them
 * (contract §5.1): received/sent/failed insert a row; delivered sets every existing row to completed or, when
 * there is none, inserts a delivered row; read inserts a read row only when there is none.
 */
record Contribution(List<RowGroup> liveRows, List<Flip> seedFlips) {
    static final Contribution NONE = new Contribution(List.of(), List.of());

    /** A seed row whose status the live events changed from the one backfill counts. */
    record Flip(SeedRow seed, String to) {
    }

    static Contribution of(List<SeedRow> seeds, List<LiveFact> factsInStreamOrder) {
        if (factsInStreamOrder.isEmpty()) {
            return NONE;
        }
        String[] seedStatus = new String[seeds.size()];
        for (int i = 0; i < seeds.size(); i++) {
            seedStatus[i] = seeds.get(i).status();
        }
        List<RowGroup> live = new ArrayList<>();
        for (LiveFact fact : factsInStreamOrder) {
            boolean anyRow = !seeds.isEmpty() || !live.isEmpty();
            switch (fact.kind()) {
                case RECEIVED, SENT, FAILED -> live.add(fact.row());
                case DELIVERED -> {
                    if (anyRow) {
                        java.util.Arrays.fill(seedStatus, "completed");
                        live.replaceAll(row -> row.withStatus("completed"));
                    } else {
                        live.add(fact.row());
                    }
                }
                case READ -> {
                    if (!anyRow) {
                        live.add(fact.row());
                    }
                }
            }
        }
        List<Flip> flips = new ArrayList<>();
        for (int i = 0; i < seeds.size(); i++) {
            if (!seedStatus[i].equals(seeds.get(i).status())) {
                flips.add(new Flip(seeds.get(i), seedStatus[i]));
            }
        }
        return new Contribution(List.copyOf(live), List.copyOf(flips));
    }

    /**
     * Adds {@code now - before} to the deltas, row by row: rows present in both cancel without touching a counter
     * (a receipt for a message that is already {@code completed} changes nothing), and a seed row's status moves
     * only by what differs.
     */
    static void addDifference(Contribution before, Contribution now, Deltas deltas) {
        if (before.liveRows().equals(now.liveRows()) && before.seedFlips().equals(now.seedFlips())) {
            return;
        }
        java.util.Map<RowGroup, Long> rows = new java.util.HashMap<>();
        now.liveRows().forEach(row -> rows.merge(row, 1L, Long::sum));
        before.liveRows().forEach(row -> rows.merge(row, -1L, Long::sum));
        rows.forEach((row, n) -> deltas.addRows(row, n));
        java.util.Map<java.util.UUID, String> was = new java.util.HashMap<>();
        before.seedFlips().forEach(flip -> was.put(flip.seed().rowId(), flip.to()));
        java.util.Map<java.util.UUID, Flip> is = new java.util.HashMap<>();
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
