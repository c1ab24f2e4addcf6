package dev.omnirollup.store;

/**
 * The time resolutions rollups are kept at. A bucket is the UTC epoch second at which it starts;
 * {@link #TOTAL} has the single bucket 0 and holds the running all-time sum.
 */
public enum Grain {
    MINUTE(60, "minute"),
    HOUR(3_600, "hour"),
    DAY(86_400, "day"),
    TOTAL(0, "total");

    private final long seconds;
    private final String suffix;

    Grain(long seconds, String suffix) {
        this.seconds = seconds;
        this.suffix = suffix;
    }

    /** Length of a bucket in seconds; 0 for {@link #TOTAL}. */
    public long seconds() {
        return seconds;
    }

    /** Table-name suffix, e.g. {@code msg_hour}. */
    String suffix() {
        return suffix;
    }

    /** The bucket holding the given epoch second. */
    public long bucketOf(long epochSecond) {
        return this == TOTAL ? 0 : Math.floorDiv(epochSecond, seconds) * seconds;
    }

    /** The first bucket boundary at or after the given epoch second. */
    long ceil(long epochSecond) {
        long floor = bucketOf(epochSecond);
        return floor == epochSecond ? floor : floor + seconds;
    }

    boolean isAligned(long epochSecond) {
        return bucketOf(epochSecond) == epochSecond;
    }
}
