package dev.omnirollup.deploy;

import dev.omnirollup.sim.ScratchDatabase;
import dev.omnirollup.sim.ScratchNats;
import dev.omnirollup.store.Await;
import dev.omnirollup.store.StoreSettings;
import io.nats.client.JetStreamApiException;
import io.nats.client.api.ConsumerInfo;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * How far an {@code omni-rollup ingest} process (started with the default consumer name) is behind on a scratch
 * NATS, asked of NATS from outside: the messages pending or awaiting acknowledgement on its durable consumer of both
 * streams; and how far its tail of {@code automation_logs} (which no message announces) is behind.
 */
final class IngestLag {
    private static final String CONSUMER = StoreSettings.INGEST_CONSUMER.defaultValue();

    private IngestLag() {
    }

    /** Messages not yet delivered or not yet acknowledged on both consumers; -1 when NATS cannot say. */
    static long waiting(ScratchNats nats) {
        long waiting = 0;
        for (String stream : List.of(nats.messageStream(), nats.automationStream())) {
            try {
                ConsumerInfo info = nats.management().getConsumerInfo(stream, CONSUMER);
                waiting += info.getNumPending() + info.getNumAckPending();
            } catch (IOException | JetStreamApiException | RuntimeException e) {
                return -1; // the consumer is not created yet, or NATS itself is away
            }
        }
        return waiting;
    }

    /**
     * Waits until nothing is waiting on either consumer, seen so on three polls in a row 200 ms apart (a consumer
     * can look idle between two deliveries).
     */
    static void awaitCaughtUp(ScratchNats nats, Duration timeout) {
        try {
            Await.until("the ingest has caught up (nothing pending or unacknowledged on either consumer)", timeout,
                    Duration.ofMillis(200), Await.steadily(3, () -> waiting(nats) == 0));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; " + waiting(nats) + " messages waiting", e);
        }
    }

    /**
     * Waits until the ingest's tail of {@code automation_logs} has counted the newest row in it: its high-water mark
     * (the newest {@code created_at} counted) reaches the table's newest {@code created_at}. The tail polls on a
     * timer, so the rows a test wrote last are counted up to one poll after NATS has nothing left to deliver. Call it
     * after the writers have stopped: a poll that sees the newest row sees every row committed before it.
     */
    static void awaitAutomationTail(ScratchDatabase omni, Duration timeout) {
        String uncounted = "SELECT count(*) FROM public.automation_logs WHERE created_at > coalesce((SELECT high_water "
                + "FROM rollup.automation_tail WHERE id = 1), '-infinity'::timestamp)";
        Await.until("the automation_logs tail has counted the newest row", timeout, Duration.ofMillis(200),
                () -> omni.jdbi().withHandle(h -> h.createQuery(uncounted).mapTo(Long.class).one()) == 0);
    }
}
