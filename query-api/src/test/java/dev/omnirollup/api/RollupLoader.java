package dev.omnirollup.api;

import dev.omnirollup.sim.OmniEvent;
import dev.omnirollup.store.AutomationLogTail;
import dev.omnirollup.store.BatchApplier;
import dev.omnirollup.store.EventDecoder;
import dev.omnirollup.store.InboundMessage;
import dev.omnirollup.store.RollupDatabase;
import dev.omnirollup.store.StreamRef;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;

/**
 * Test support: the ingest's write path without NATS, for tests that keep adding events (unlike
 * {@link TestApi#loadThroughIngest}, sequences continue across calls). Not thread-safe.
 */
final class RollupLoader {
    private final BatchApplier applier;
    private final AutomationLogTail tail;
    private final StreamRef messages;
    private final StreamRef automation;
    private long messageSeq;
    private long automationSeq;

    /** Events before {@code cutover} are history (backfill's) and are not counted. */
    RollupLoader(RollupDatabase database, Instant cutover, InstantSource clock) {
        Instant effective = database.ensureCutover(cutover);
        this.applier = new BatchApplier(database, new EventDecoder(1 << 20), clock,
                Duration.ofDays(9), effective);
        this.tail = new AutomationLogTail(database, clock, Duration.ofDays(9), effective, Duration.ofMinutes(2));
        Instant created = Instant.parse("2020-01-01T00:00:00Z");
        this.messages = new StreamRef("MESSAGE", created);
        this.automation = new StreamRef("AUTOMATION", created);
    }

    void apply(List<OmniEvent> events) {
        List<InboundMessage> messageBatch = new ArrayList<>();
        List<InboundMessage> automationBatch = new ArrayList<>();
        for (OmniEvent event : events) {
            if (event.subject().startsWith("automation.")) {
                automationBatch.add(new InboundMessage(event.subject(), event.toJson(), ++automationSeq));
            } else {
                messageBatch.add(new InboundMessage(event.subject(), event.toJson(), ++messageSeq));
            }
            if (messageBatch.size() == 500) {
                applier.apply(messages, List.copyOf(messageBatch));
                messageBatch.clear();
            }
            if (automationBatch.size() == 500) {
                applier.apply(automation, List.copyOf(automationBatch));
                automationBatch.clear();
            }
        }
        if (!messageBatch.isEmpty()) {
            applier.apply(messages, messageBatch);
        }
        if (!automationBatch.isEmpty()) {
            applier.apply(automation, automationBatch);
        }
        tail.poll(); // executions are counted from the automation_logs rows the caller persisted
    }
}
