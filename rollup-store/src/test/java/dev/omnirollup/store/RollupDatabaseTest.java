package dev.omnirollup.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.omnirollup.sim.ScratchDatabase;
import java.time.Instant;
import java.time.LocalDateTime;
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

    private static String setting(RollupDatabase database, String name) {
        return database.jdbi().withHandle(h -> h.createQuery("SELECT current_setting(:name)").bind("name", name)
                .mapTo(String.class).one());
    }
}
