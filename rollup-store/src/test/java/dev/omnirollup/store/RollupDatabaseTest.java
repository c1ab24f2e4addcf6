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
}
