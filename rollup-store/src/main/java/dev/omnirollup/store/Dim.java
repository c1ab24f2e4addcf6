package dev.omnirollup.store;

/** Open-keyed breakdowns, stored in a row's {@code dims} map under {@code "<prefix>:<key>"}. */
enum Dim {
    CHANNEL('c'),
    CONTENT_TYPE('t'),
    ERROR_STAGE('e'),
    EVENT_TYPE('v'),
    PROCESSING_BIN('p'),
    AGENT_BIN('a'),
    /** Rows per instance, kept in the all-instances rows only (the per-instance rows are the instance's own). */
    INSTANCE('i');

    final char prefix;

    Dim(char prefix) {
        this.prefix = prefix;
    }

    String mapKey(String key) {
        return prefix + ":" + key;
    }

    static Dim ofPrefix(char prefix) {
        for (Dim dim : values()) {
            if (dim.prefix == prefix) {
                return dim;
            }
        }
        throw new IllegalArgumentException("unknown dimension prefix " + prefix);
    }
}
