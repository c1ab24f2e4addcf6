package dev.omnirollup.store;

/**
 * Who wrote a rollup row: the live ingest (events from the cutover on) or backfill (Omni's rows before it). Backfill
 * replaces its own layer a day at a time and never touches the live one; reads sum both. Stored as {@code src}.
 */
enum Layer {
    LIVE(0),
    BACKFILL(1);

    final short code;

    Layer(int code) {
        this.code = (short) code;
    }

    static Layer of(short code) {
        return switch (code) {
            case 0 -> LIVE;
            case 1 -> BACKFILL;
            default -> throw new IllegalArgumentException("unknown layer " + code);
        };
    }
}
