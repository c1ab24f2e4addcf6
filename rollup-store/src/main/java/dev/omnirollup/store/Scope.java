package dev.omnirollup.store;

import java.util.UUID;

/**
 * Whose events a rollup row counts: everything ({@link #ALL}, subject the nil UUID), or one subject ({@link #ONE}):
 * one instance in the message rows, one automation in the automation rows. Stored as {@code scope}.
 */
enum Scope {
    ALL(0),
    ONE(1);

    /** The subject of {@link #ALL} rows. */
    static final UUID EVERYONE = new UUID(0, 0);

    final short code;

    Scope(int code) {
        this.code = (short) code;
    }

    static Scope of(short code) {
        return switch (code) {
            case 0 -> ALL;
            case 1 -> ONE;
            default -> throw new IllegalArgumentException("unknown scope " + code);
        };
    }
}
