package dev.omnirollup.store;

import java.util.Optional;
import java.util.UUID;

/** What a message decodes to: one of Omni's events we count, an event we deliberately skip, or poison. */
public sealed interface Decoded {
    long streamSeq();

    /** The five kinds of message lifecycle events upstream persists (contract §5.1). */
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
     * A message event with upstream's persistence rules already applied: {@code channel} falls back to discord,
     * {@code contentType} is storable or empty, {@code errorStage} is the failed event's errorCode.
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

    /** An event upstream's persistence never sees (bare subject, replay); acknowledged and not counted. */
    record Ignored(long streamSeq, String reason) implements Decoded {
    }

    /** Poison: kept in the reject table with its reason and terminated. */
    record Rejected(long streamSeq, String reason) implements Decoded {
    }
}
