package dev.omnirollup.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.omnirollup.sim.ScratchDatabase;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The database edge: the schemas reach constant statement text as {@code <rollup>} and {@code <omni>}. */
class RollupDatabaseTest {
    @Test
    void statementsNameTheSchemasByAttributeAndBindValuesByName() {
        try (ScratchDatabase omni = ScratchDatabase.create().withOmniSchema();
             RollupDatabase database = RollupDatabase.open(omni.jdbcUrl(), "rollup_x", "public", 2, "test")) {
            database.migrate();
            Instant cutover = database.ensureCutover(Instant.parse("2026-01-02T03:04:05Z"));
            String value = database.jdbi().withHandle(h -> h.createQuery(
                    "SELECT value FROM <rollup>.settings WHERE name = :name").bind("name", "cutover")
                    .mapTo(String.class).one());
            assertEquals(Long.toString(cutover.toEpochMilli()), value);
            long rows = database.jdbi().withHandle(h -> h.createQuery("SELECT count(*) FROM <omni>.omni_events "
                    + "WHERE received_at < :now").bind("now", LocalDateTime.now()).mapTo(Long.class).one());
            assertEquals(0, rows);
        }
    }

    @Test
    void theApisPoolPlansItsStatementsOnceTheOthersPerExecution() {
        try (ScratchDatabase omni = ScratchDatabase.create().withOmniSchema();
             RollupDatabase perExecution = RollupDatabase.open(omni.jdbcUrl(), "rollup_x", "public", 2, "ingest");
             RollupDatabase generic = RollupDatabase.open(omni.jdbcUrl(), "rollup_x", "public", 2, "api",
                     RollupDatabase.Plans.GENERIC)) {
            assertEquals("auto", setting(perExecution, "plan_cache_mode"));
            assertEquals("force_generic_plan", setting(generic, "plan_cache_mode"));
            for (RollupDatabase database : new RollupDatabase[] {perExecution, generic}) {
                assertEquals("UTC", setting(database, "TimeZone"));
                assertEquals("0", setting(database, "max_parallel_workers_per_gather"));
            }
        }
    }

    /**
     * The breakdown maps are compressed with lz4 where the server has it (the large all-instances maps cost less than
     * half as much to store, finding B8), and with the default pglz where it does not; a row written and read back
     * holds what it was given either way.
     */
    @Test
    void breakdownsAreCompressedWithLz4WhereTheServerHasIt() {
        try (ScratchDatabase omni = ScratchDatabase.create().withOmniSchema();
             RollupDatabase database = RollupDatabase.open(omni.jdbcUrl(), "rollup_x", "public", 2, "test")) {
            database.migrate();
            boolean lz4 = serverHasLz4(database);
            List<String> compression = database.jdbi().withHandle(h -> h.createQuery(
                    "SELECT attrelid::regclass::text || '=' || attcompression::text FROM pg_attribute"
                    + " WHERE attname = 'dims' AND attrelid::regclass::text LIKE 'rollup\\_x.msg\\_%' ORDER BY 1")
                    .mapTo(String.class).list());
            String expected = lz4 ? "l" : "";
            assertEquals(List.of("rollup_x.msg_day=" + expected, "rollup_x.msg_hour=" + expected,
                    "rollup_x.msg_minute=" + expected, "rollup_x.msg_total=" + expected), compression);
            Map<String, Long> big = new TreeMap<>();
            for (int i = 0; i < 500; i++) {
                big.put("i:" + new UUID(i, i * 31L), (long) i + 1);
            }
            String stored = database.jdbi().withHandle(h -> {
                h.execute("INSERT INTO rollup_x.msg_hour (src, scope, instance_id, bucket, total, completed, failed,"
                        + " pending, inbound, outbound, proc_sum, proc_count, agent_sum, agent_count, dims) VALUES"
                        + " (1, 0, '00000000-0000-0000-0000-000000000000', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ?)",
                        SortedDims.of(big).json());
                return h.createQuery("SELECT dims::text FROM rollup_x.msg_hour").mapTo(String.class).one();
            });
            assertEquals(big, new TreeMap<>(DimsJson.read(stored)));
            if (lz4) {
                String method = database.jdbi().withHandle(h -> h.createQuery(
                        "SELECT pg_column_compression(dims) FROM rollup_x.msg_hour").mapTo(String.class).one());
                assertEquals("lz4", method);
            }
        }
    }

    /**
     * Migration V10 turns the maps stored as jsonb into text: a schema at V9 with an all-instances map of 500 keys and
     * a map of awkward keys holds the same maps after it, compressed as before, and the writer adds to them.
     */
    @Test
    void mapsStoredAsJsonbBeforeV10AreTheSameMapsAsText() {
        try (ScratchDatabase omni = ScratchDatabase.create().withOmniSchema();
             RollupDatabase database = RollupDatabase.open(omni.jdbcUrl(), "rollup_x", "public", 2, "test")) {
            database.flyway().target("9").load().migrate();
            Map<String, Long> everyone = new TreeMap<>();
            for (int i = 0; i < 500; i++) {
                everyone.put("i:" + new UUID(i, i * 31L), (long) i + 1);
            }
            Map<String, Long> awkward = new TreeMap<>(Map.of("c:caf\u00e9", 2L, "c:with \"quote\"", 3L,
                    "t:tab\there", 4L, "v:emoji \uD83D\uDE00", 5L, "p:3", 6L));
            UUID instance = UUID.randomUUID();
            database.jdbi().useHandle(h -> {
                String insert = "INSERT INTO rollup_x.msg_total (src, scope, instance_id, bucket, total, completed,"
                        + " failed, pending, inbound, outbound, proc_sum, proc_count, agent_sum, agent_count, dims)"
                        + " VALUES (0, ?, ?::uuid, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, ?::jsonb)";
                h.execute(insert, 0, Scope.EVERYONE.toString(), SortedDims.of(everyone).json());
                h.execute(insert, 1, instance.toString(), SortedDims.of(awkward).json());
            });
            database.migrate();
            assertEquals(List.of("text"), database.jdbi().withHandle(h -> h.createQuery("SELECT DISTINCT"
                    + " atttypid::regtype::text FROM pg_attribute WHERE attname = 'dims'"
                    + " AND attrelid::regclass::text LIKE 'rollup\\_x.msg\\_%'").mapTo(String.class).list()));
            assertEquals(List.of(everyone, awkward), storedTotals(database));
            boolean lz4 = serverHasLz4(database);
            assertEquals(lz4 ? List.of("lz4") : List.of("pglz"), database.jdbi().withHandle(h -> h.createQuery(
                    "SELECT pg_column_compression(dims) FROM rollup_x.msg_total WHERE scope = 0")
                    .mapTo(String.class).list()));
            RollupChanges changes = new RollupChanges(0);
            long[] counts = new long[MessageCounter.COUNT];
            changes.add(RollupKey.of(Grain.TOTAL, instance, 0), MessageCounts.of(counts), Map.of("p:3", -6L,
                    "c:caf\u00e9", 1L));
            database.inTransaction(h -> {
                new RollupWriter(database).write(h, changes, Layer.LIVE);
                return null;
            });
            awkward.remove("p:3");
            awkward.put("c:caf\u00e9", 3L);
            assertEquals(List.of(everyone, awkward), storedTotals(database));
        }
    }

    /** Whether the server was built with lz4 (the migrations then set it on the breakdown maps). */
    private static boolean serverHasLz4(RollupDatabase database) {
        return database.jdbi().withHandle(h -> h.createQuery("SELECT EXISTS (SELECT 1 FROM pg_settings"
                + " WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals))").mapTo(Boolean.class).one());
    }

    private static List<Map<String, Long>> storedTotals(RollupDatabase database) {
        return database.jdbi().withHandle(h -> h.createQuery("SELECT dims FROM rollup_x.msg_total ORDER BY scope")
                .map((rs, ctx) -> (Map<String, Long>) new TreeMap<>(DimsJson.read(rs.getString(1)))).list());
    }

    /**
     * The upserts add breakdown maps in SQL: key by key, zero sums left out, for changes of a few keys (a
     * per-instance row) and of hundreds (the all-instances rows' instance map) alike.
     */
    @Test
    void dimsAddSumsKeyByKeyAndDropsZeros() {
        Random random = new Random(11);
        try (ScratchDatabase omni = ScratchDatabase.create().withOmniSchema();
             RollupDatabase database = RollupDatabase.open(omni.jdbcUrl(), "rollup_x", "public", 2, "test")) {
            database.migrate();
            for (int round = 0; round < 300; round++) {
                int keys = round % 10 == 0 ? 600 : 1 + random.nextInt(40);
                Map<String, Long> a = randomDims(random, keys, false);
                Map<String, Long> b = randomDims(random, round % 3 == 0 ? keys : 1 + random.nextInt(8), true);
                a.forEach((key, n) -> {
                    if (random.nextInt(4) == 0) {
                        b.put(key, -n); // this key sums to zero
                    }
                });
                Map<String, Long> expected = new TreeMap<>(a);
                b.forEach((key, n) -> expected.merge(key, n, Long::sum));
                expected.values().removeIf(n -> n == 0);
                String sum = database.jdbi().withHandle(h -> h.createQuery(
                        "SELECT <rollup>.dims_add(CAST(:a AS text), CAST(:b AS text))")
                        .bind("a", SortedDims.of(a).json()).bind("b", SortedDims.of(b).json())
                        .mapTo(String.class).one());
                assertEquals(expected, new TreeMap<>(DimsJson.read(sum)), "round " + round);
            }
        }
    }

    private static Map<String, Long> randomDims(Random random, int keys, boolean negative) {
        Map<String, Long> dims = new HashMap<>();
        while (dims.size() < keys) {
            long n = 1 + random.nextInt(1_000_000) * (random.nextInt(50) == 0 ? 10_000_000L : 1);
            dims.put((keys > 100 ? "i:" : "c:") + random.nextInt(keys * 4), negative && random.nextBoolean() ? -n : n);
        }
        return dims;
    }

    private static String setting(RollupDatabase database, String name) {
        return database.jdbi().withHandle(h -> h.createQuery("SELECT current_setting(:name)").bind("name", name)
                .mapTo(String.class).one());
    }
}
