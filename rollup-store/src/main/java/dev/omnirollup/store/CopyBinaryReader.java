package dev.omnirollup.store;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads PostgreSQL's binary {@code COPY … TO STDOUT (FORMAT binary)} output one CopyData message at a time. The
 * server sends every row in a message of its own (the file header travels with the first row, the trailer alone),
 * so a message is parsed whole: {@link #first} or {@link #message} starts one, {@link #nextRow} steps to its row,
 * and the typed readers take the row's fields in order. Text fields are interned per column ({@link Texts}) so that
 * a column of a few distinct values costs a byte comparison, not a {@code String}, per row. Not thread-safe.
 */
final class CopyBinaryReader {
    private static final byte[] SIGNATURE = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0};
    /** Microseconds from the Unix epoch to PostgreSQL's (2000-01-01T00:00:00Z). */
    private static final long PG_EPOCH_MICROS = 946_684_800L * 1_000_000;
    static final int NULL = -1;

    private final int fields;
    private boolean headerRead;
    private boolean ended;
    private int shortMessages;
    private byte[] buffer;
    private int position;

    /** @param fields the number of columns every row has */
    CopyBinaryReader(int fields) {
        this.fields = fields;
    }

    /** Starts reading the first CopyData message: the file header, then (if any) the first row or the trailer. */
    void first(byte[] data) {
        if (data.length < SIGNATURE.length + 8
                || !Arrays.equals(data, 0, SIGNATURE.length, SIGNATURE, 0, SIGNATURE.length)) {
            throw new IllegalStateException("COPY output is not PostgreSQL's binary format");
        }
        buffer = data;
        position = SIGNATURE.length + 4; // the flags field: no OIDs in a COPY of a query
        position += 4 + int32(); // the header extension, skipped
        headerRead = true;
    }

    /**
     * Starts reading a CopyData message after the first. The trailer alone in a message — a row count of -1, two
     * bytes, where a row takes more — is recognised without a branch and left as if read, so {@link #nextRow} finds
     * nothing in it: C2 compiles a branch that the rows never took as a trap, and the trailer at the end of the first
     * COPY would throw away the compiled loop that reads the rows and folds them, for a recompilation as long as the
     * first (finding B10).
     */
    void message(byte[] data) {
        if (!headerRead) { // never once the first message was read: a trap the rows never reach
            throw new IllegalStateException("a COPY message before the first");
        }
        buffer = data;
        int shorterThanARow = (data.length - 3) >> 31; // -1 for a message of fewer than 3 bytes, 0 otherwise
        shortMessages -= shorterThanARow;
        position = data.length & shorterThanARow;
    }

    /** Steps to the message's next row; false at its end or at the trailer. */
    boolean nextRow() {
        if (ended || position >= buffer.length) {
            return false;
        }
        short count = (short) (((buffer[position] & 0xff) << 8) | (buffer[position + 1] & 0xff));
        position += 2;
        if (count == -1) {
            ended = true;
            return false;
        }
        if (count != fields) {
            throw new IllegalStateException("COPY row has " + count + " fields, expected " + fields);
        }
        return true;
    }

    /** True once the trailer was read: after the header, or as the last message and the only short one. */
    boolean ended() {
        return ended || shortMessages == 1 && buffer.length == 2 && buffer[0] == -1 && buffer[1] == -1;
    }

    /** Whether the next field is NULL; if so it is consumed. */
    boolean nullField() {
        if (int32At(position) == NULL) {
            position += 4;
            return true;
        }
        return false;
    }

    /** An {@code int8} field (not NULL). */
    long int8() {
        expect(8);
        long value = int64At(position);
        position += 8;
        return value;
    }

    /** An {@code int4} field (not NULL). */
    int int4() {
        expect(4);
        int value = int32At(position);
        position += 4;
        return value;
    }

    /** A {@code timestamp} field (not NULL) as epoch microseconds, read as UTC wall-clock time. */
    long timestampMicros() {
        return int8() + PG_EPOCH_MICROS;
    }

    /** A {@code uuid} field (not NULL): its most significant half; {@link #uuidLow} must follow. */
    long uuidHigh() {
        expect(16);
        return int64At(position);
    }

    /** The least significant half of the {@code uuid} field {@link #uuidHigh} read; consumes it. */
    long uuidLow() {
        long value = int64At(position + 8);
        position += 16;
        return value;
    }

    /** A text field as its column's interned id, or {@link #NULL}. */
    int text(Texts column) {
        int n = int32();
        if (n == NULL) {
            return NULL;
        }
        int id = column.idOf(buffer, position, n);
        position += n;
        return id;
    }

    private void expect(int size) {
        int n = int32();
        if (n != size) {
            throw new IllegalStateException("COPY field of " + n + " bytes, expected " + size);
        }
    }

    private int int32() {
        int value = int32At(position);
        position += 4;
        return value;
    }

    private int int32At(int at) {
        return ((buffer[at] & 0xff) << 24) | ((buffer[at + 1] & 0xff) << 16) | ((buffer[at + 2] & 0xff) << 8)
                | (buffer[at + 3] & 0xff);
    }

    private long int64At(int at) {
        return ((long) int32At(at) << 32) | (int32At(at + 4) & 0xffffffffL);
    }

    /**
     * The distinct values of one text column, numbered in the order first seen. A lookup goes through a fingerprint
     * of the bytes (length, first, middle and last byte) to the value that first had it and compares the bytes; on
     * a miss, through a full hash of the bytes. A new value's {@code String} is made once.
     */
    static final class Texts {
        private static final int SLOTS = 1024;
        private byte[][] values = new byte[8][];
        private String[] strings = new String[8];
        /** Fingerprint to id + 1 of the first value with it (0: none). */
        private final int[] byFingerprint = new int[SLOTS];
        private final LongIntMap byHash = new LongIntMap(64);
        private int count;

        int idOf(byte[] data, int offset, int length) {
            int fingerprint = fingerprint(data, offset, length);
            int candidate = byFingerprint[fingerprint] - 1;
            if (candidate >= 0 && matches(values[candidate], data, offset, length)) {
                return candidate;
            }
            long hash = hash(data, offset, length);
            candidate = byHash.get(hash);
            if (candidate >= 0 && matches(values[candidate], data, offset, length)) {
                return candidate;
            }
            for (int i = 0; candidate >= 0 && i < count; i++) { // a hash collision: rare enough to scan
                if (matches(values[i], data, offset, length)) {
                    return i;
                }
            }
            if (count == values.length) {
                values = Arrays.copyOf(values, count * 2);
                strings = Arrays.copyOf(strings, count * 2);
            }
            values[count] = Arrays.copyOfRange(data, offset, offset + length);
            strings[count] = new String(data, offset, length, StandardCharsets.UTF_8);
            if (candidate < 0) {
                byHash.put(hash, count);
            }
            if (byFingerprint[fingerprint] == 0) {
                byFingerprint[fingerprint] = count + 1;
            }
            return count++;
        }

        String string(int id) {
            return strings[id];
        }

        int size() {
            return count;
        }

        private static int fingerprint(byte[] data, int offset, int length) {
            if (length == 0) {
                return 0;
            }
            return (length * 31 + data[offset] * 7 + data[offset + length / 2] * 131 + data[offset + length - 1])
                    & (SLOTS - 1);
        }

        private static long hash(byte[] data, int offset, int length) {
            long h = 0xcbf29ce484222325L;
            for (int i = offset; i < offset + length; i++) {
                h = (h ^ data[i]) * 0x100000001b3L;
            }
            return h;
        }

        private static boolean matches(byte[] value, byte[] data, int offset, int length) {
            if (value.length != length) {
                return false;
            }
            for (int i = 0; i < length; i++) {
                if (value[i] != data[offset + i]) {
                    return false;
                }
            }
            return true;
        }
    }
}
