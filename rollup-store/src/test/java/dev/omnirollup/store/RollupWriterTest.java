package dev.omnirollup.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class RollupWriterTest {
    private static final Grain[] GRAINS = {Grain.MINUTE, Grain.HOUR, Grain.TOTAL};

    /**
     * A writer that merges remembered breakdowns in Java leaves every row as one that has PostgreSQL merge them would,
     * while another writer updates some of the same rows, some of its transactions roll back and rows are deleted
     * under it (housekeeping): each time the version it remembers is no longer the row's, and it must notice. The
     * reference is a model of the rows summed in Java from the changes that committed.
     */
    @Test
    void rememberedBreakdownsLeaveWhatDimsAddLeaves() {
        Random random = new Random(17);
        List<UUID> instances = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            instances.add(UUID.randomUUID());
        }
        try (ScratchRollups db = ScratchRollups.create(2)) {
            KnownDims known = new KnownDims(12); // fewer than the rows: some are forgotten and read back again
            RollupWriter live = new RollupWriter(db.rollups, known);
            RollupWriter other = new RollupWriter(db.rollups);
            Map<RollupKey, long[]> counters = new HashMap<>();
            Map<RollupKey, Map<String, Long>> breakdowns = new HashMap<>();
            int otherWrites = 0;
            int rolledBack = 0;
            int deletions = 0;
            for (int round = 0; round < 300; round++) {
                RollupChanges changes = randomChanges(random, instances, breakdowns);
                int what = random.nextInt(12);
                if (what == 0) {
                    db.rollups.inTransaction(h -> {
                        other.write(h, changes, Layer.LIVE);
                        return null;
                    });
                    otherWrites++;
                } else if (what == 1) {
                    assertThrows(StoreException.class, () -> db.rollups.inTransaction(h -> {
                        live.write(h, changes, Layer.LIVE);
                        throw new SQLException("rolled back on purpose", "XX000");
                    }));
                    rolledBack++;
                    continue;
                } else if (what == 2) {
                    UUID gone = instances.get(random.nextInt(instances.size()));
                    db.execute("DELETE FROM rollup.msg_hour WHERE instance_id = '" + gone + "'");
                    counters.keySet().removeIf(key -> key.grain() == Grain.HOUR && key.subject().equals(gone));
                    breakdowns.keySet().removeIf(key -> key.grain() == Grain.HOUR && key.subject().equals(gone));
                    deletions++;
                    continue;
                } else {
                    db.rollups.inTransaction(h -> {
                        live.write(h, changes, Layer.LIVE);
                        return null;
                    });
                }
                RollupChanges.Snapshot snapshot = changes.snapshot();
                snapshot.messages().forEach((key, counts) -> {
                    long[] sum = counters.computeIfAbsent(key, k -> new long[MessageCounter.COUNT]);
                    long[] add = counts.toArray();
                    for (int c = 0; c < sum.length; c++) {
                        sum[c] += add[c];
                    }
                });
                snapshot.breakdowns().forEach((key, map) -> {
                    Map<String, Long> sum = breakdowns.computeIfAbsent(key, k -> new TreeMap<>());
                    map.forEach((k, n) -> sum.merge(k, n, Long::sum));
                    sum.values().removeIf(n -> n == 0);
                });
                assertEquals(expected(counters, breakdowns), stored(db), "round " + round);
            }
            assertTrue(known.mergedRows() > 500, "rows merged in Java: " + known.mergedRows());
            assertTrue(otherWrites > 10 && rolledBack > 10 && deletions > 10,
                    otherWrites + " other writes, " + rolledBack + " rolled back, " + deletions + " deletions");
        }
    }

    /**
     * A row the upsert inserts holds its change's JSON text as written, awkward keys included (the writer recognises
     * such a row by that text instead of parsing what the upsert returned), and {@code dims_add} sums maps as text.
     */
    @Test
    void anInsertedRowHoldsItsBreakdownsAsWritten() {
        Map<String, Long> dims = new TreeMap<>(Map.of("c:caf\u00e9", 2L, "c:with \"quote\"", 3L, "c:tab\there", 4L,
                "v:emoji \uD83D\uDE00", 5L, "p:3", 6L));
        UUID instance = UUID.randomUUID();
        try (ScratchRollups db = ScratchRollups.create(2)) {
            RollupWriter live = new RollupWriter(db.rollups, new KnownDims(12));
            for (int write = 0; write < 2; write++) {
                RollupChanges changes = new RollupChanges(0);
                changes.add(RollupKey.of(Grain.HOUR, instance, 0), MessageCounts.of(new long[MessageCounter.COUNT]),
                        dims);
                db.rollups.inTransaction(h -> {
                    live.write(h, changes, Layer.LIVE);
                    return null;
                });
                if (write == 0) {
                    assertEquals(List.of(SortedDims.of(dims).json()), db.column("SELECT dims FROM rollup.msg_hour"));
                }
            }
            Map<String, Long> twice = new TreeMap<>();
            dims.forEach((key, n) -> twice.put(key, 2 * n));
            assertEquals(twice, new TreeMap<>(DimsJson.read(db.column("SELECT dims FROM rollup.msg_hour").get(0))));
            assertEquals("{\"c:a\": 3}", db.column("SELECT rollup.dims_add('{\"c:a\":1,\"c:b\":2}',"
                    + " '{\"c:b\":-2,\"c:a\":2}')").get(0));
        }
    }

    /** Random changes to the rows of a few instances and everyone, in two buckets per grain. */
    private static RollupChanges randomChanges(Random random, List<UUID> instances,
                                               Map<RollupKey, Map<String, Long>> current) {
        RollupChanges changes = new RollupChanges(0);
        for (int row = 0; row < 8; row++) {
            Grain grain = GRAINS[random.nextInt(GRAINS.length)];
            long bucket = grain == Grain.TOTAL ? 0 : grain.seconds() * random.nextInt(2);
            RollupKey key = random.nextInt(4) == 0 ? RollupKey.everyone(grain, bucket)
                    : RollupKey.of(grain, instances.get(random.nextInt(instances.size())), bucket);
            long[] counts = new long[MessageCounter.COUNT];
            counts[random.nextInt(counts.length)] = 1 + random.nextInt(5);
            Map<String, Long> dims = new HashMap<>();
            for (int k = random.nextInt(random.nextInt(10) == 0 ? 80 : 6); k > 0; k--) {
                dims.merge("ctl".charAt(random.nextInt(3)) + ":" + random.nextInt(40), 1L + random.nextInt(3),
                        Long::sum);
            }
            current.getOrDefault(key, Map.of()).forEach((k, n) -> {
                if (random.nextInt(5) == 0) {
                    dims.put(k, -n); // takes the key out of the row
                }
            });
            changes.add(key, MessageCounts.of(counts), dims);
        }
        return changes;
    }

    private static Map<String, String> expected(Map<RollupKey, long[]> counters,
                                                Map<RollupKey, Map<String, Long>> breakdowns) {
        Map<String, String> rows = new TreeMap<>();
        counters.forEach((key, sum) -> rows.put(key.grain() + " " + key.scope() + " " + key.subject() + " "
                + key.bucket(), Arrays.toString(sum) + " " + breakdowns.getOrDefault(key, Map.of())));
        breakdowns.forEach((key, map) -> rows.putIfAbsent(key.grain() + " " + key.scope() + " " + key.subject()
                + " " + key.bucket(), Arrays.toString(new long[MessageCounter.COUNT]) + " " + map));
        return rows;
    }

    private static Map<String, String> stored(ScratchRollups db) {
        Map<String, String> rows = new TreeMap<>();
        for (Grain grain : GRAINS) {
            List<String> lines = db.column("SELECT concat_ws(' ', scope, instance_id, bucket, total, completed, "
                    + "failed, pending, inbound, outbound, proc_sum, proc_count, agent_sum, agent_count, dims::text) "
                    + "FROM rollup.msg_" + grain.suffix() + " WHERE src = 0");
            for (String line : lines) {
                String[] f = line.split(" ", 14);
                long[] sum = new long[MessageCounter.COUNT];
                for (int c = 0; c < sum.length; c++) {
                    sum[c] = Long.parseLong(f[3 + c]);
                }
                Scope scope = Scope.of(Short.parseShort(f[0]));
                rows.put(grain + " " + scope + " " + f[1] + " " + f[2], Arrays.toString(sum) + " "
                        + new TreeMap<>(DimsJson.read(f[13])));
            }
        }
        return rows;
    }
}
