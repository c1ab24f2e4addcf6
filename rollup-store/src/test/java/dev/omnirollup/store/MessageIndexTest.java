package dev.omnirollup.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.omnirollup.sim.ScratchDatabase;
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
                            Set.of(), 1);
                });
                Set<String> written = database.inTransaction(h -> {
                    h.execute("SET LOCAL plan_cache_mode = " + plans);
                    Map<String, ExternalIdState> locked = index.lockExisting(h, List.of("locked"));
                    assertEquals(Set.of("locked"), locked.keySet());
                    return index.write(h, Map.of("locked", FIRST_SEEN, "raced", FIRST_SEEN, "new", FIRST_SEEN),
                            locked.keySet(), 2);
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
}
