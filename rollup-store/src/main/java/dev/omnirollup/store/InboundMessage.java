package dev.omnirollup.store;

import java.util.Objects;

/**
 * One JetStream message as the ingest received it.
 *
 * @param subject   the subject with any configured prefix already removed
 * @param body      the raw body
 * @param streamSeq the message's stream sequence
 */
public record InboundMessage(String subject, byte[] body, long streamSeq) {
    public InboundMessage {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(body, "body");
        if (streamSeq < 1) {
            throw new IllegalArgumentException("streamSeq must be >= 1, got " + streamSeq);
        }
    }
}
