package dev.omnirollup.store;

import dev.omnirollup.store.Decoded.MessageEvent;
import dev.omnirollup.store.Decoded.MessageKind;
import dev.omnirollup.store.ExternalIdState.Pending;
import dev.omnirollup.store.ExternalIdState.SeedRow;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * The stored form of an {@link ExternalIdState} ({@code message_index.state}). Pure.
 *
 * <p>Version 3: a version byte, flags, the newest delivered's and the first event's sequences, the first event's
 * row, the seeds, then the pending rows. The pending rows of one id mostly share everything but their minute, so
 * their shapes (the row without its minute) are written once and each row is a sequence delta, a minute delta and
 * a shape index, in variable-length integers: a few bytes a row.
 *
 * <p>Version 2 (before the state became exact: live facts, folded facts and sealed rows) is still read, by replaying
 * its facts onto what the folded ones left, so that an upgrade needs no migration of the index.
 */
final class ExternalIdStateCodec {
    private static final byte VERSION = 3;
    private static final byte VERSION_2 = 2;
    private static final int SEEDS_DECIDED = 1;
    private static final int HAS_SEEDS = 2;
    private static final int FIRST_ROW = 4;
    private static final int SPILLED = 8;

    private ExternalIdStateCodec() {
    }

    static byte[] encode(ExternalIdState state) {
        Out out = new Out(32 + 48 * state.seeds().size() + 8 * state.pending().size());
        out.writeByte(VERSION);
        out.writeByte((state.seedsDecided() ? SEEDS_DECIDED : 0) | (state.hasSeeds() ? HAS_SEEDS : 0)
                | (state.firstRow() != null ? FIRST_ROW : 0) | (state.spilled() ? SPILLED : 0));
        out.writeVarLong(state.lastDelivered());
        out.writeVarLong(state.firstSeq());
        if (state.firstRow() != null) {
            out.writeLong(state.firstRow().epochSecond());
            writeShape(out, state.firstRow());
        }
        out.writeVarLong(state.seeds().size());
        for (SeedRow seed : state.seeds()) {
            out.writeUuid(seed.rowId());
            out.writeLong(seed.minute());
            out.writeUuid(seed.instanceId());
            out.writeUtf(seed.status());
        }
        // a state keeps few pending rows (see MessageFold.KEPT_PENDING) of fewer shapes: a linear search over the
        // shapes met so far is cheaper than hashing rows
        List<Pending> pending = state.pending();
        List<RowGroup> shapes = new ArrayList<>(2);
        int[] shapeOf = new int[pending.size()];
        for (int i = 0; i < shapeOf.length; i++) {
            RowGroup row = pending.get(i).row();
            int index = 0;
            while (index < shapes.size() && !sameShape(shapes.get(index), row)) {
                index++;
            }
            if (index == shapes.size()) {
                shapes.add(row);
            }
            shapeOf[i] = index;
        }
        out.writeVarLong(shapes.size());
        for (RowGroup shape : shapes) {
            writeShape(out, shape);
        }
        out.writeVarLong(shapeOf.length);
        long seq = 0;
        long minute = 0;
        for (int i = 0; i < shapeOf.length; i++) {
            Pending row = pending.get(i);
            out.writeVarLong(row.streamSeq() - seq);
            long thisMinute = Math.floorDiv(row.row().epochSecond(), 60);
            out.writeVarLong(zigZag(thisMinute - minute));
            out.writeVarLong(shapeOf[i]);
            seq = row.streamSeq();
            minute = thisMinute;
        }
        return out.toByteArray();
    }

    static ExternalIdState decode(byte[] stored) {
        if (stored.length == 0) {
            return ExternalIdState.EMPTY;
        }
        In in = new In(stored);
        byte version = in.readByte();
        if (version == VERSION_2) {
            return decodeVersion2(in);
        }
        if (version != VERSION) {
            throw new IllegalStateException("unknown external-id state version " + version);
        }
        int flags = in.readByte();
        long lastDelivered = in.readVarLong();
        long firstSeq = in.readVarLong();
        RowGroup firstRow = null;
        if ((flags & FIRST_ROW) != 0) {
            long epochSecond = in.readLong();
            firstRow = readShape(in, epochSecond);
        }
        int seedCount = (int) in.readVarLong();
        List<SeedRow> seeds = new ArrayList<>(seedCount);
        for (int i = 0; i < seedCount; i++) {
            seeds.add(new SeedRow(in.readUuid(), in.readLong(), in.readUuid(), in.readUtf()));
        }
        int shapeCount = (int) in.readVarLong();
        List<RowGroup> shapes = new ArrayList<>(shapeCount);
        for (int i = 0; i < shapeCount; i++) {
            shapes.add(readShape(in, 0));
        }
        int pendingCount = (int) in.readVarLong();
        List<Pending> pending = new ArrayList<>(pendingCount);
        long seq = 0;
        long minute = 0;
        for (int i = 0; i < pendingCount; i++) {
            seq += in.readVarLong();
            minute += unZigZag(in.readVarLong());
            pending.add(new Pending(seq, shapes.get((int) in.readVarLong()).withEpochSecond(minute * 60)));
        }
        in.expectEnd();
        return new ExternalIdState((flags & SEEDS_DECIDED) != 0, (flags & HAS_SEEDS) != 0, seeds, lastDelivered,
                firstSeq, firstRow, pending, (flags & SPILLED) != 0);
    }

    /**
     * A version-2 state: what its folded facts left becomes the base (an event before every live fact; a delivered
     * among them has completed the seeds; its rows not completed are pending, as if right after it), and its live
     * facts are applied to that base in stream order. Their counter changes were written when they arrived, so they
     * are discarded here.
     */
    private static ExternalIdState decodeVersion2(In in) {
        boolean seedsLoaded = in.readBoolean();
        int seedCount = in.readInt();
        List<SeedRow> seeds = new ArrayList<>(seedCount);
        for (int i = 0; i < seedCount; i++) {
            seeds.add(new SeedRow(in.readUuid(), in.readLong(), in.readUuid(), in.readUtf()));
        }
        long throughSeq = in.readLong();
        boolean delivered = in.readBoolean();
        in.readBoolean(); // sealed rows: counted already, and no longer tracked in any version
        int rowCount = in.readInt();
        List<Pending> pending = new ArrayList<>();
        for (int i = 0; i < rowCount; i++) {
            RowGroup group = new RowGroup(in.readLong(), in.readUuid(), in.readUtf(), in.readUtf(), in.readUtf(),
                    in.readText(), in.readText(), in.readUtf(), null, 0, null, 0);
            long n = in.readLong();
            for (long k = 0; k < n && !group.status().equals("completed"); k++) {
                pending.add(new Pending(Math.max(2, throughSeq), group));
            }
        }
        boolean folded = throughSeq > 0 || rowCount > 0 || delivered;
        List<SeedRow> open = seeds.stream().filter(seed -> !seed.status().equals("completed")).toList();
        ExternalIdState state = new ExternalIdState(seedsLoaded, !seeds.isEmpty(), delivered ? List.of() : open,
                delivered ? 1 : 0, folded ? 1 : 0, null, pending, false);
        RollupChanges discarded = new RollupChanges(Long.MIN_VALUE);
        int factCount = in.readInt();
        MessageKind[] kinds = MessageKind.values();
        for (int i = 0; i < factCount; i++) {
            long seq = in.readLong();
            MessageKind kind = kinds[in.readByte()];
            long epochMs = in.readLong();
            UUID instance = in.readUuid();
            String channel = in.readUtf();
            String contentType = in.readText();
            String errorStage = in.readText();
            MessageEvent fact = new MessageEvent(seq, kind, "", epochMs, Optional.ofNullable(instance), channel,
                    Optional.ofNullable(contentType), Optional.ofNullable(errorStage), Optional.of(""));
            if (kind == MessageKind.DELIVERED || kind == MessageKind.READ) {
                state = state.withSeeds(List.of());
            }
            state = state.apply(fact, discarded);
        }
        return state;
    }

    /** The stored form of a pending row set aside ({@code message_pending.shape}): the row without its minute. */
    static byte[] encodeShape(RowGroup row) {
        Out out = new Out(64);
        writeShape(out, row);
        return out.toByteArray();
    }

    /** The row of {@link #encodeShape} at its minute. */
    static RowGroup decodeShape(byte[] stored, long minuteSecond) {
        In in = new In(stored);
        RowGroup row = readShape(in, minuteSecond);
        in.expectEnd();
        return row;
    }

    /** Whether two rows are equal but for their minute: what the pending rows of one id share. */
    private static boolean sameShape(RowGroup a, RowGroup b) {
        return Objects.equals(a.instanceId(), b.instanceId()) && a.channel().equals(b.channel())
                && a.direction().equals(b.direction()) && a.eventType().equals(b.eventType())
                && Objects.equals(a.contentType(), b.contentType()) && Objects.equals(a.errorStage(), b.errorStage())
                && a.status().equals(b.status());
    }

    private static void writeShape(Out out, RowGroup row) {
        out.writeUuid(row.instanceId());
        out.writeUtf(row.channel());
        out.writeUtf(row.direction());
        out.writeUtf(row.eventType());
        out.writeText(row.contentType());
        out.writeText(row.errorStage());
        out.writeUtf(row.status());
    }

    private static RowGroup readShape(In in, long epochSecond) {
        return new RowGroup(epochSecond, in.readUuid(), in.readUtf(), in.readUtf(), in.readUtf(), in.readText(),
                in.readText(), in.readUtf(), null, 0, null, 0);
    }

    private static long zigZag(long value) {
        return (value << 1) ^ (value >> 63);
    }

    private static long unZigZag(long value) {
        return (value >>> 1) ^ -(value & 1);
    }

    /**
     * A growing byte array written as {@link java.io.DataOutputStream} would write it (big-endian numbers, texts in
     * modified UTF-8 behind a two-byte length), plus variable-length integers, without its stream and locking.
     */
    private static final class Out {
        private byte[] bytes;
        private int size;

        Out(int capacity) {
            bytes = new byte[capacity];
        }

        private void ensure(int more) {
            if (size + more > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(size + more, bytes.length * 2));
            }
        }

        void writeByte(int value) {
            ensure(1);
            bytes[size++] = (byte) value;
        }

        void writeLong(long value) {
            ensure(8);
            for (int shift = 56; shift >= 0; shift -= 8) {
                bytes[size++] = (byte) (value >>> shift);
            }
        }

        void writeVarLong(long value) {
            ensure(10);
            long rest = value;
            while ((rest & ~0x7FL) != 0) {
                bytes[size++] = (byte) ((rest & 0x7F) | 0x80);
                rest >>>= 7;
            }
            bytes[size++] = (byte) rest;
        }

        void writeUuid(UUID uuid) {
            writeByte(uuid != null ? 1 : 0);
            if (uuid != null) {
                writeLong(uuid.getMostSignificantBits());
                writeLong(uuid.getLeastSignificantBits());
            }
        }

        void writeText(String text) {
            writeByte(text != null ? 1 : 0);
            if (text != null) {
                writeUtf(text);
            }
        }

        /** Modified UTF-8: NUL and U+0080..U+07FF in two bytes, the rest of the BMP and each surrogate in three. */
        void writeUtf(String text) {
            int length = text.length();
            int encoded = 0;
            for (int i = 0; i < length; i++) {
                char ch = text.charAt(i);
                encoded += ch >= 1 && ch < 0x80 ? 1 : ch < 0x800 ? 2 : 3;
            }
            if (encoded > 0xFFFF) {
                throw new IllegalArgumentException("text of " + encoded + " bytes exceeds the 65535 a state holds");
            }
            ensure(2 + encoded);
            bytes[size++] = (byte) (encoded >>> 8);
            bytes[size++] = (byte) encoded;
            for (int i = 0; i < length; i++) {
                char ch = text.charAt(i);
                if (ch >= 1 && ch < 0x80) {
                    bytes[size++] = (byte) ch;
                } else if (ch < 0x800) {
                    bytes[size++] = (byte) (0xC0 | (ch >> 6));
                    bytes[size++] = (byte) (0x80 | (ch & 0x3F));
                } else {
                    bytes[size++] = (byte) (0xE0 | (ch >> 12));
                    bytes[size++] = (byte) (0x80 | ((ch >> 6) & 0x3F));
                    bytes[size++] = (byte) (0x80 | (ch & 0x3F));
                }
            }
        }

        byte[] toByteArray() {
            return Arrays.copyOf(bytes, size);
        }
    }

    /** Reads what {@link Out} (or {@link java.io.DataOutputStream}) wrote; a truncated or garbled form throws. */
    private static final class In {
        private final byte[] bytes;
        private int at;

        In(byte[] bytes) {
            this.bytes = bytes;
        }

        private void need(int count) {
            if (at + count > bytes.length) {
                throw new IllegalStateException("external-id state truncated at byte " + at + " of " + bytes.length);
            }
        }

        byte readByte() {
            need(1);
            return bytes[at++];
        }

        boolean readBoolean() {
            return readByte() != 0;
        }

        int readInt() {
            return (int) readBigEndian(4);
        }

        long readLong() {
            return readBigEndian(8);
        }

        private long readBigEndian(int count) {
            need(count);
            long value = 0;
            for (int i = 0; i < count; i++) {
                value = (value << 8) | (bytes[at++] & 0xFF);
            }
            return value;
        }

        long readVarLong() {
            long value = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int b = readByte() & 0xFF;
                value |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    return value;
                }
            }
            throw new IllegalStateException("external-id state has a variable-length integer over 64 bits");
        }

        UUID readUuid() {
            return readBoolean() ? new UUID(readLong(), readLong()) : null;
        }

        String readText() {
            return readBoolean() ? readUtf() : null;
        }

        String readUtf() {
            need(2);
            int length = ((bytes[at] & 0xFF) << 8) | (bytes[at + 1] & 0xFF);
            at += 2;
            need(length);
            int end = at + length;
            int ascii = at;
            while (ascii < end && bytes[ascii] > 0) {
                ascii++;
            }
            if (ascii == end) {
                String text = new String(bytes, at, length, StandardCharsets.ISO_8859_1);
                at = end;
                return text;
            }
            StringBuilder text = new StringBuilder(length);
            while (at < end) {
                int b = bytes[at++] & 0xFF;
                if (b < 0x80) {
                    text.append((char) b);
                } else if ((b & 0xE0) == 0xC0) {
                    need(1);
                    text.append((char) (((b & 0x1F) << 6) | (bytes[at++] & 0x3F)));
                } else if ((b & 0xF0) == 0xE0) {
                    need(2);
                    text.append((char) (((b & 0x0F) << 12) | ((bytes[at] & 0x3F) << 6) | (bytes[at + 1] & 0x3F)));
                    at += 2;
                } else {
                    throw new IllegalStateException("external-id state has malformed text at byte " + (at - 1));
                }
            }
            if (at != end) {
                throw new IllegalStateException("external-id state has malformed text ending at byte " + at);
            }
            return text.toString();
        }

        void expectEnd() {
            if (at != bytes.length) {
                throw new IllegalStateException("external-id state has " + (bytes.length - at)
                        + " bytes after its end");
            }
        }
    }
}
