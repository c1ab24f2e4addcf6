package dev.omnirollup.store;

import java.util.Optional;
import java.util.UUID;

/** What a message decodes to: one of Omni's events we count, an event we deliberately skip, or poison. */
public sealed interface Decoded {
    long streamSeq();

    /** The five kinds of message lifecycle events upstream persists (see docs/input-rules.md). */
    enum MessageKind {
        RECEIVED(OmniVocabulary.RECEIVED),
        SENT(OmniVocabulary.SENT),
        DELIVERED(OmniVocabulary.DELIVERED),
        READ(OmniVocabulary.READ),
        FAILED(OmniVocabulary.FAILED);

        private final String eventType;

        MessageKind(String eventType) {
            this.eventType = eventType;
        }

        public String eventType() {
            return eventType;
        }

        static Optional<MessageKind> ofAction(String action) {
            return switch (action) {
                case "received" -> Optional.of(RECEIVED);
                case "sent" -> Optional.of(SENT);
                case "delivered" -> Optional.of(DELIVERED);
                case "read" -> Optional.of(READ);
                case "failed" -> Optional.of(FAILED);
                default -> Optional.empty();
            };
        }
    }

    /**
     * A message event that Omni's persistence stores, with its rules already applied (see docs/input-rules.md):
     * {@code eventId} is JavaScript's string of the envelope id, {@code instanceId} the uuid Omni stores (if any),
     * {@code channel} falls back to discord, {@code contentType} is storable or empty, {@code errorStage} is the text
     * Omni stores from the failed event's errorCode (possibly ""), and {@code externalId} the text Omni stores (a
     * number as JavaScript prints it) or compares receipts with. An empty {@code externalId} means a NULL external id:
     * such a row is never matched, and a delivered/read without one inserts its own row.
     */
    record MessageEvent(long streamSeq, MessageKind kind, String eventId, long epochMs,
                        Optional<UUID> instanceId, String channel, Optional<String> contentType,
                        Optional<String> errorStage, Optional<String> externalId) implements Decoded {
    }

    /** An {@code automation.executed} event: one {@code automation_logs} row. */
    record AutomationExecution(long streamSeq, long epochMs, String status, long actions,
                               Optional<Long> executionTimeMs) implements Decoded {
    }

    /** An {@code automation.queue} snapshot of one engine queue. */
    record QueueSnapshot(long streamSeq, long epochMs, String instanceKey, int activeCount, int pendingCount)
            implements Decoded {
    }

    /** Instance connection changes ({@code instance.connected|disconnected}); only the live stream uses them. */
    record InstanceStatus(long streamSeq, long epochMs, String instanceId, boolean connected) implements Decoded {
    }

    /**
     * An event upstream's persistence never sees (bare subject, no consumer for its subject, replay); acknowledged
     * and not counted.
     */
    record Ignored(long streamSeq, String reason) implements Decoded {
    }

    /**
     * An event Omni could not have stored either (or that breaks our own size and JSON limits): kept in the reject
     * table with its reason and terminated.
     */
    record Rejected(long streamSeq, String reason) implements Decoded {
    }
}
