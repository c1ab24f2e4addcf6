package dev.omnirollup.store;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes rows in PostgreSQL's binary {@code COPY … FROM STDIN (FORMAT binary)} format and hands them to a
 * {@link Sink} in chunks of about {@link #CHUNK} bytes, always whole rows, as they are written: the server parses
 * the first chunk while the next is built. Numbers and uuids go as their bytes, so neither side formats or parses
 * decimal text; a {@code text} field is its UTF-8 bytes. Each row must have the number of fields given; not
 * thread-safe.
 */
final class CopyBinaryWriter {
    private static final byte[] HEADER = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0,
        0, 0, 0, 0, // flags: no OIDs
        0, 0, 0, 0}; // no header extension
    /** The size at which the rows written so far are handed on. */
    static final int CHUNK = 1 << 16;

    /** Receives the format's bytes, in order: {@code data[0, length)}, to be used before this call returns. */
    interface Sink {
        void write(byte[] data, int length);
    }

    /** Writes text (UTF-8) into a field: a row's breakdowns as JSON. */
    interface Text {
        void appendTo(Bytes out);
    }

    private final short fields;
    private final Sink sink;
    private final Bytes out = new Bytes(CHUNK + CHUNK / 4);
    private int fieldsLeft;
    private long rows;
    private boolean finished;

    /** @param fields the number of fields of every row (at most 1 600, PostgreSQL's limit of a table's columns) */
    CopyBinaryWriter(int fields, Sink sink) {
        if (fields < 1 || fields > 1600) {
            throw new IllegalArgumentException("fields must be 1..1600, got " + fields);
        }
        this.fields = (short) fields;
        this.sink = sink;
        out.put(HEADER);
    }

    /** Starts a row; the previous one must have had all its fields. */
    CopyBinaryWriter row() {
        checkRowComplete();
        if (out.size >= CHUNK) {
            flush();
        }
        out.putShort(fields);
        fieldsLeft = fields;
        rows++;
        return this;
    }

    CopyBinaryWriter int2(short value) {
        field(2);
        out.putShort(value);
        return this;
    }

    CopyBinaryWriter int8(long value) {
        field(8);
        out.putLong(value);
        return this;
    }

    CopyBinaryWriter uuid(long high, long low) {
        field(16);
        out.putLong(high);
        out.putLong(low);
        return this;
    }

    /** A {@code text} field holding what {@code text} appends. */
    CopyBinaryWriter text(Text text) {
        nextField();
        int lengthAt = out.size;
        out.putInt(0);
        text.appendTo(out);
        out.setInt(lengthAt, out.size - lengthAt - 4);
        return this;
    }

    /** The rows started so far. */
    long rows() {
        return rows;
    }

    /** Ends the data (the format's trailer) and hands on what is left; nothing can be written after. */
    void finish() {
        checkRowComplete();
        if (finished) {
            throw new IllegalStateException("finished already");
        }
        finished = true;
        out.putShort((short) -1);
        flush();
    }

    /** Starts a field of a fixed length. */
    private void field(int length) {
        nextField();
        out.putInt(length);
    }

    private void nextField() {
        if (fieldsLeft == 0) {
            throw new IllegalStateException("more than " + fields + " fields in a row, or no row started");
        }
        fieldsLeft--;
    }

    private void checkRowComplete() {
        if (finished) {
            throw new IllegalStateException("finished already");
        }
        if (fieldsLeft != 0) {
            throw new IllegalStateException("a row ended with " + (fields - fieldsLeft) + " of its " + fields
                    + " fields");
        }
    }

    private void flush() {
        sink.write(out.data, out.size);
        out.size = 0;
    }

    /** A growable byte array written at its end, big-endian. */
    static final class Bytes {
        private byte[] data;
        private int size;

        Bytes(int capacity) {
            data = new byte[capacity];
        }

        /** A copy of the bytes written. */
        byte[] toArray() {
            return Arrays.copyOf(data, size);
        }

        Bytes put(byte value) {
            room(1);
            data[size++] = value;
            return this;
        }

        Bytes put(byte[] values) {
            room(values.length);
            System.arraycopy(values, 0, data, size, values.length);
            size += values.length;
            return this;
        }

        /** {@code value} in decimal ASCII digits, as JSON and {@code Long.toString} write it. */
        Bytes decimal(long value) {
            if (value == Long.MIN_VALUE) {
                return put(Long.toString(value).getBytes(StandardCharsets.US_ASCII));
            }
            room(20);
            if (value < 0) {
                data[size++] = '-';
                value = -value;
            }
            int digits = 1;
            for (long rest = value / 10; rest > 0; rest /= 10) {
                digits++;
            }
            int at = size + digits;
            size = at;
            do {
                data[--at] = (byte) ('0' + value % 10);
                value /= 10;
            } while (value > 0);
            return this;
        }

        void putShort(short value) {
            room(2);
            data[size++] = (byte) (value >>> 8);
            data[size++] = (byte) value;
        }

        void putInt(int value) {
            room(4);
            setInt(size, value);
            size += 4;
        }

        void putLong(long value) {
            room(8);
            for (int shift = 56; shift >= 0; shift -= 8) {
                data[size++] = (byte) (value >>> shift);
            }
        }

        private void setInt(int at, int value) {
            data[at] = (byte) (value >>> 24);
            data[at + 1] = (byte) (value >>> 16);
            data[at + 2] = (byte) (value >>> 8);
            data[at + 3] = (byte) value;
        }

        private void room(int more) {
            if (size + more > data.length) {
                data = Arrays.copyOf(data, Math.max(size + more, data.length * 2));
            }
        }
    }
}
