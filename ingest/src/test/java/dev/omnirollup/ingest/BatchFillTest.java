package dev.omnirollup.ingest;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omnirollup.sim.OmniEvent;
import dev.omnirollup.store.ReferenceCheck;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Under a backlog the applier gets full batches: while it has a batch in hand, the one being collected is not cut at
 * the batch wait, since it could not be applied sooner. Every batch rewrites the rollup rows of every instance it
 * touches, so batches cut short cost the database a rewrite of those rows each (finding I12 in docs/benchmarks.md).
 * Here a trigger makes each batch's transaction last 150 ms against a batch wait of 1 ms, with the ack limit twice the
 * batch as by default: handing over whatever had arrived when the applier took the batch before made every other
 * batch a sliver.
 */
class BatchFillTest {
    private static final int BATCH = 200;

    @Test
    void aBacklogIsAppliedInFullBatchesWhileTheApplierIsBusy() throws Exception {
        try (IngestHarness harness = new IngestHarness()) {
            harness.set("ingest-batch-size", Integer.toString(BATCH))
                    .set("ingest-max-ack-pending", Integer.toString(2 * BATCH)).set("ingest-batch-wait", "1ms");
            List<OmniEvent> traffic = harness.traffic(29, 3_000);
            harness.rollups.withConnection(c -> {
                try (Statement s = c.createStatement()) {
                    s.execute("CREATE TABLE rollup.batches_for_the_test (stream text NOT NULL)");
                    s.execute("CREATE FUNCTION rollup.slow_batch_for_the_test() RETURNS trigger LANGUAGE plpgsql AS"
                            + " $$ BEGIN INSERT INTO rollup.batches_for_the_test VALUES (NEW.stream);"
                            + " PERFORM pg_sleep(0.15); RETURN NEW; END $$");
                    // every batch that applies a message records its stream's progress, once
                    s.execute("CREATE TRIGGER slow BEFORE INSERT ON rollup.ingest_progress FOR EACH ROW"
                            + " EXECUTE FUNCTION rollup.slow_batch_for_the_test()");
                }
                return null;
            });
            harness.persistReference(traffic);
            harness.publish(traffic);
            harness.startInProcess();
            harness.awaitCaughtUp(Duration.ofSeconds(120));

            new ReferenceCheck(harness.rollups).assertAllTimeMatches();
            long messages = harness.nats.management().getStreamInfo(harness.nats.messageStream())
                    .getStreamState().getMsgCount();
            long batches = harness.rollups.withConnection(c -> {
                try (Statement s = c.createStatement();
                     ResultSet rs = s.executeQuery("SELECT count(*) FROM rollup.batches_for_the_test WHERE stream = '"
                             + harness.nats.messageStream() + "'")) {
                    rs.next();
                    return rs.getLong(1);
                }
            });
            long full = messages / BATCH;
            assertTrue(messages > 10L * BATCH, "a backlog of many batches: " + messages);
            // the first batch is cut at the batch wait (the applier is idle then), the last holds the rest
            assertTrue(batches >= full && batches <= full + 2, batches + " batches for " + messages
                    + " messages in batches of " + BATCH + " (full ones: " + full + ")");
        }
    }
}
