package dev.omnirollup.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.omnirollup.sim.ScratchDatabase;
import dev.omnirollup.testservices.TestServices;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The index write against PostgreSQL: which rows it updates, inserts and leaves alone, under either kind of plan. */
class MessageIndexTest {
    private static final ExternalIdState FIRST_SEEN = ExternalIdState.EMPTY.withSeeds(List.of());

    /**
     * An id the batch locked is updated and a new one inserted; an id that exists but was not locked (another batch
     * inserted it after the lookup) is left alone and missing from the answer, so the batch locks and recomputes it.
     * Also under a generic plan, which PostgreSQL may choose after five executions of a prepared statement.
     */
    /**
     * The ids a transaction locks and writes come out of the batch's ids sorted once, by the thread that decoded it:
     * in that order, and sorted anew should that list lack one.
     */
    @Test
    void idsKeepTheBatchsLockOrderOrAreSortedAnew() {
        List<String> batch = MessageIndex.lockOrder(List.of("wamid.b", "3EB0", "a", "B", "3EB0", "_x"));
        assertEquals(List.of("3EB0", "B", "_x", "a", "wamid.b"), batch);
        assertEquals(List.of("B", "a", "wamid.b"), MessageIndex.subsequence(batch, Set.of("wamid.b", "a", "B")));
        assertEquals(List.of(), MessageIndex.subsequence(batch, Set.of()));
        assertEquals(List.of("a", "b", "wamid.b"), MessageIndex.subsequence(batch, Set.of("wamid.b", "b", "a")));
    }

    @Test
    void updatesLockedIdsInsertsNewOnesAndLeavesTheOthersAlone() {
        try (ScratchDatabase omni = ScratchDatabase.create().withOmniSchema();
             RollupDatabase database = RollupDatabase.open(omni.jdbcUrl(), "rollup_x", "public", 2, "test")) {
            database.migrate();
            MessageIndex index = new MessageIndex();
            for (String plans : List.of("force_custom_plan", "force_generic_plan")) {
                database.inTransaction(h -> {
                    h.execute("TRUNCATE <rollup>.message_index");
                    return index.write(h, Map.of("locked", ExternalIdState.EMPTY, "raced", ExternalIdState.EMPTY),
                            List.of("locked", "raced"), Set.of(), 1);
                });
                Set<String> written = database.inTransaction(h -> {
                    h.execute("SET LOCAL plan_cache_mode = " + plans);
                    Map<String, ExternalIdState> locked = index.lockExisting(h, List.of("locked"));
                    assertEquals(Set.of("locked"), locked.keySet());
                    return index.write(h, Map.of("locked", FIRST_SEEN, "raced", FIRST_SEEN, "new", FIRST_SEEN),
                            MessageIndex.lockOrder(List.of("raced", "new", "locked")), locked.keySet(), 2);
                });
                assertEquals(Set.of("locked", "new"), written, plans);
                Map<String, Long> touched = database.withHandle(h -> h.createQuery(
                        "SELECT external_id, touched_at FROM <rollup>.message_index")
                        .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getLong(2)))
                        .collectToMap(Map.Entry::getKey, Map.Entry::getValue));
                assertEquals(Map.of("locked", 2L, "raced", 1L, "new", 2L), touched, plans);
            }
        }
    }

    /**
     * In a database whose text sorts by a language's rules (ICU en-US here, as en_US.UTF-8 does), the index rows are
     * still locked in the order the ingest writes them in, Java's: the external ids compare byte by byte.
     */
    @Test
    void externalIdsCompareByteWiseInADatabaseWithALanguagesCollation() {
        List<String> ids = List.of("a", "B", "_x", "Z", "a-b", "ab", "wamid.HBgM", "3EB0C767");
        List<String> javaOrder = ids.stream().sorted().toList();
        try (ScratchDatabase omni = ScratchDatabase.create(TestServices.postgresUrl(), "en-US").withOmniSchema();
             RollupDatabase database = RollupDatabase.open(omni.jdbcUrl(), "rollup_x", "public", 2, "test")) {
            List<String> databaseOrder = database.withHandle(h -> h.createQuery(
                    "SELECT x FROM unnest(:ids::text[]) AS x ORDER BY x").bindArray("ids", String.class, ids)
                    .mapTo(String.class).list());
            assertNotEquals(javaOrder, databaseOrder, "the database's own collation is not byte-wise");
            database.migrate();
            MessageIndex index = new MessageIndex();
            Map<String, ExternalIdState> states = new HashMap<>();
            ids.forEach(id -> states.put(id, FIRST_SEEN));
            database.inTransaction(h -> index.write(h, states, javaOrder, Set.of(), 1));
            assertEquals(Set.copyOf(ids), database.inTransaction(h -> index.lockExisting(h, javaOrder)).keySet());
            database.inTransaction(h -> h.execute("INSERT INTO <rollup>.message_pending SELECT x, 1, 0, '' "
                    + "FROM unnest(?::text[]) AS x", (Object) ids.toArray(String[]::new)));
            for (String table : List.of("message_index", "message_pending")) {
                List<String> order = database.withHandle(h -> h.createQuery(
                        "SELECT external_id FROM <rollup>." + table + " ORDER BY external_id").mapTo(String.class)
                        .list());
                assertEquals(javaOrder, order, table);
            }
        }
    }
}
