package dev.omnirollup.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omnirollup.sim.Instance;
import dev.omnirollup.sim.OmniEvent;
import dev.omnirollup.sim.ReferencePersistence;
import dev.omnirollup.sim.TrafficGenerator;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The transactional apply: each message's effect lands once, whoever applies it and however often; poison is set
 * aside with its reason; events before the cutover and minute buckets past their retention are left alone. The
 * store's clock is a fixed instant ({@link #END}), and what landed is read with plain SQL on the tables.
 */
class BatchApplierTest {
    /** The store's clock; traffic ends here. A midnight, so that the cutover 30 days before is one too. */
    private static final Instant END = Instant.parse("2026-03-02T00:00:00Z");
    private static final Instant CUTOVER = END.minus(Duration.ofDays(30));
    private static final Duration MINUTES_KEPT = Duration.ofDays(9);
    private final List<Instance> instances = TrafficGenerator.defaultInstances(5, 9);
    private ScratchRollups scratch;
    private RollupDatabase rollups;
    private BatchApplier applier;
    private AutomationLogTail tail;
    private final StreamRef stream = new StreamRef("MESSAGE", Instant.parse("2026-01-01T00:00:00Z"));

    @BeforeEach
    void setUp() throws SQLException {
        scratch = ScratchRollups.create(8);
        rollups = scratch.rollups;
        assertEquals(CUTOVER, rollups.ensureCutover(CUTOVER));
        applier = applierAt(END);
        tail = new AutomationLogTail(rollups, InstantSource.fixed(END), MINUTES_KEPT, CUTOVER, Duration.ofMinutes(2));
        try (Connection c = scratch.omni.connect()) {
            new ReferencePersistence(c, InstantSource.fixed(END)).ensureInstances(instances);
        }
    }

    @AfterEach
    void tearDown() {
        scratch.close();
    }

    private BatchApplier applierAt(Instant now) {
        return new BatchApplier(rollups, new EventDecoder(1 << 20), InstantSource.fixed(now), MINUTES_KEPT, CUTOVER);
    }

    @Test
    void aRedeliveredBatchChangesNothing() {
        List<InboundMessage> messages = messages(traffic(1, 2_000));
        persistReference(1, 2_000);
        BatchApplier.Outcome first = applier.apply(stream, messages);
        assertEquals(0, first.count(BatchApplier.Disposition.DUPLICATE));
        BatchApplier.Outcome again = applier.apply(stream, messages);
        assertEquals(messages.size(), again.count(BatchApplier.Disposition.DUPLICATE));
        tail.poll();
        new ReferenceCheck(rollups).assertAllTimeMatches();
    }

    /** Several workers race on overlapping batches of the same messages (redelivery to another worker). */
    @Test
    void concurrentWorkersWithOverlappingBatchesApplyEachMessageOnce() throws Exception {
        List<InboundMessage> messages = messages(traffic(2, 3_000));
        persistReference(2, 3_000);
        Random random = new Random(2);
        List<List<InboundMessage>> batches = new ArrayList<>();
        for (int copy = 0; copy < 3; copy++) {
            int i = 0;
            while (i < messages.size()) {
                int size = 50 + random.nextInt(400);
                batches.add(messages.subList(i, Math.min(messages.size(), i + size)));
                i += size;
            }
        }
        Collections.shuffle(batches, random);
        ExecutorService workers = Executors.newFixedThreadPool(4);
        try {
            List<Future<BatchApplier.Outcome>> outcomes = new ArrayList<>();
            for (List<InboundMessage> batch : batches) {
                outcomes.add(workers.submit(() -> applyRetryingDeadlocks(batch)));
            }
            long applied = 0;
            for (Future<BatchApplier.Outcome> outcome : outcomes) {
                applied += outcome.get().dispositions().stream().filter(d -> d != BatchApplier.Disposition.DUPLICATE).count();
            }
            assertEquals(messages.size(), applied, "each message applied by exactly one batch");
        } finally {
            workers.shutdownNow();
        }
        tail.poll();
        new ReferenceCheck(rollups).assertAllTimeMatches();
    }

    private BatchApplier.Outcome applyRetryingDeadlocks(List<InboundMessage> batch) {
        for (int attempt = 0; ; attempt++) {
            try {
                return applier.apply(stream, batch);
            } catch (StoreException e) {
                assertTrue(e.isTransient() && attempt < 20, "unexpected failure: " + e.getMessage());
            }
        }
    }

    private List<OmniEvent> traffic(long seed, int count) {
        return TrafficGenerator.generate(TrafficGenerator.Config.of(seed, END, Duration.ofDays(10), count, instances));
    }

    private void persistReference(long seed, int count) {
        try (Connection c = scratch.omni.connect()) {
            new ReferencePersistence(c, InstantSource.fixed(END)).apply(traffic(seed, count));
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<InboundMessage> messages(List<OmniEvent> events) {
        List<InboundMessage> messages = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            messages.add(new InboundMessage(events.get(i).subject(), events.get(i).toJson(), i + 1));
        }
        return messages;
    }
}
