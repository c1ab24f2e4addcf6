package dev.omnirollup.store;

/** Open-keyed breakdowns stored in the {@code msg_dim_*} tables, by their stored code. */
enum Dim {
    CHANNEL(1),
    CONTENT_TYPE(2),
    ERROR_STAGE(3),
    EVENT_TYPE(4),
    PROCESSING_BIN(5),
    AGENT_BIN(6);

    final short code;

    Dim(int code) {
        this.code = (short) code;
    }

    static Dim ofCode(int code) {
        for (Dim dim : values()) {
            if (dim.code == code) {
                return dim;
            }
        }
        throw new IllegalArgumentException("unknown dimension code " + code);
    }
}
