package dev.omnirollup.store;

import java.time.Instant;
import java.util.Objects;

/**
 * A JetStream stream as the exactly-once record knows it: its name and the instant it was created, so that a
 * stream deleted and created again (sequences restart at 1) is a new stream.
 */
public record StreamRef(String name, Instant created) {
    public StreamRef {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(created, "created");
    }

    String key() {
        return name + "@" + created.toEpochMilli();
    }
}
