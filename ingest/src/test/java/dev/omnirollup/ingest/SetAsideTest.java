package dev.omnirollup.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.omnirollup.sim.OmniEvent;
import dev.omnirollup.store.ReferenceCheck;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * A message the database refuses for a lasting reason (here a trigger that raises for one external id, standing in
 * for a defect no retry can fix) is found by splitting its batch, set aside in {@code rejects} with its reason and
 * its body — read back from the stream, since a batch in hand no longer holds the bodies of messages that decoded —
 * and acknowledged; every other message of its batches is counted exactly once.
 */
class SetAsideTest {
    private static final String REFUSED = "refused-by-the-test";

    private record Reject(String reason, String body, int bodyBytes) {
    }

    /**
     * A message.received of an instance that Omni stores as it is (on a subject with the instance, not a replay, not
     * one of the generator's malformed shapes).
     */
    private static boolean plainReceived(OmniEvent event) {
        return event.type().equals("message.received") && !event.subject().equals(event.type())
                && event.metadata().path("instanceId").isTextual() && !event.payload().has("_replay")
                && !event.metadata().path("source").asText("").equals("replay")
                && event.payload().path("content").isObject() && event.payload().path("externalId").isTextual()
                && event.payload().path("rawPayload").path("note").isMissingNode();
    }

    @Test
    void aMessageTheDatabaseRefusesIsSetAsideWithItsBodyAndTheRestIsCounted() throws Exception {
        try (IngestHarness harness = new IngestHarness()) {
            List<OmniEvent> traffic = harness.traffic(73, 1_500);
            int at = IntStream.range(700, traffic.size())
                    .filter(i -> plainReceived(traffic.get(i))).findFirst().orElseThrow();
            OmniEvent refused = traffic.get(at).withPayloadField("externalId", TextNode.valueOf(REFUSED));
            List<OmniEvent> published = new ArrayList<>(traffic);
            published.set(at, refused);
            List<OmniEvent> counted = new ArrayList<>(traffic);
            counted.remove(at);
            harness.rollups.withConnection(c -> {
                try (Statement s = c.createStatement()) {
                    s.execute("CREATE FUNCTION rollup.refuse_for_the_test() RETURNS trigger LANGUAGE plpgsql AS"
                            + " $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$");
                    s.execute("CREATE TRIGGER refuse BEFORE INSERT ON rollup.message_index FOR EACH ROW"
                            + " WHEN (NEW.external_id = '" + REFUSED + "') EXECUTE FUNCTION rollup.refuse_for_the_test()");
                }
                return null;
            });
            harness.persistReference(counted); // upstream stored it; the reference leaves out what we set aside
            harness.publish(published);
            harness.startInProcess();
            harness.awaitCaughtUp(Duration.ofSeconds(120));

            new ReferenceCheck(harness.rollups).assertAllTimeMatches();
            List<Reject> rejects = harness.rollups.withConnection(c -> {
                List<Reject> rows = new ArrayList<>();
                try (Statement s = c.createStatement();
                     ResultSet rs = s.executeQuery("SELECT reason, body, body_bytes FROM rollup.rejects")) {
                    while (rs.next()) {
                        rows.add(new Reject(rs.getString(1), rs.getString(2), rs.getInt(3)));
                    }
                }
                return rows;
            });
            assertEquals(1, rejects.size(), "one message set aside: " + rejects);
            Reject reject = rejects.get(0);
            assertTrue(reject.reason().startsWith("could not be applied: ")
                    && reject.reason().contains("refused by the test"), reject.reason());
            assertTrue(reject.body().contains("\"externalId\":\"" + REFUSED + "\"")
                    && reject.body().contains(refused.id()), reject.body());
            assertEquals(reject.body().getBytes(StandardCharsets.UTF_8).length, reject.bodyBytes());
        }
    }
}
