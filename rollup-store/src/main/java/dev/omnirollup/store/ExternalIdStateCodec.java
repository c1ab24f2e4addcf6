package dev.omnirollup.store;

import dev.omnirollup.store.Decoded.MessageEvent;
import dev.omnirollup.store.Decoded.MessageKind;
import dev.omnirollup.store.ExternalIdState.Pending;
import dev.omnirollup.store.ExternalIdState.SeedRow;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(
                32 + 48 * state.seeds().size() + 6 * state.pending().size());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeByte((state.seedsDecided() ? SEEDS_DECIDED : 0) | (state.hasSeeds() ? HAS_SEEDS : 0)
                    | (state.firstRow() != null ? FIRST_ROW : 0) | (state.spilled() ? SPILLED : 0));
            writeVarLong(out, state.lastDelivered());
            writeVarLong(out, state.firstSeq());
            if (state.firstRow() != null) {
                out.writeLong(state.firstRow().epochSecond());
                writeShape(out, state.firstRow());
            }
            writeVarLong(out, state.seeds().size());
            for (SeedRow seed : state.seeds()) {
                writeUuid(out, seed.rowId());
                out.writeLong(seed.minute());
                writeUuid(out, seed.instanceId());
                out.writeUTF(seed.status());
            }
            Map<RowGroup, Integer> shapes = new HashMap<>();
            List<RowGroup> shapeList = new ArrayList<>();
            int[] shapeOf = new int[state.pending().size()];
            for (int i = 0; i < shapeOf.length; i++) {
                RowGroup shape = shapeOf(state.pending().get(i).row());
                Integer index = shapes.get(shape);
                if (index == null) {
                    index = shapeList.size();
                    shapes.put(shape, index);
                    shapeList.add(shape);
                }
                shapeOf[i] = index;
            }
            writeVarLong(out, shapeList.size());
            for (RowGroup shape : shapeList) {
                writeShape(out, shape);
            }
            writeVarLong(out, shapeOf.length);
            long seq = 0;
            long minute = 0;
            for (int i = 0; i < shapeOf.length; i++) {
                Pending pending = state.pending().get(i);
                writeVarLong(out, pending.streamSeq() - seq);
                long thisMinute = Math.floorDiv(pending.row().epochSecond(), 60);
                writeVarLong(out, zigZag(thisMinute - minute));
                writeVarLong(out, shapeOf[i]);
                seq = pending.streamSeq();
                minute = thisMinute;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static ExternalIdState decode(byte[] stored) {
        if (stored.length == 0) {
            return ExternalIdState.EMPTY;
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(stored))) {
            byte version = in.readByte();
            if (version == VERSION_2) {
                return decodeVersion2(in);
            }
            if (version != VERSION) {
                throw new IllegalStateException("unknown external-id state version " + version);
            }
            int flags = in.readByte();
            long lastDelivered = readVarLong(in);
            long firstSeq = readVarLong(in);
            RowGroup firstRow = null;
            if ((flags & FIRST_ROW) != 0) {
                long epochSecond = in.readLong();
                firstRow = atSecond(readShape(in), epochSecond);
            }
            int seedCount = (int) readVarLong(in);
            List<SeedRow> seeds = new ArrayList<>(seedCount);
            for (int i = 0; i < seedCount; i++) {
                seeds.add(new SeedRow(readUuid(in), in.readLong(), readUuid(in), in.readUTF()));
            }
            int shapeCount = (int) readVarLong(in);
            List<RowGroup> shapes = new ArrayList<>(shapeCount);
            for (int i = 0; i < shapeCount; i++) {
                shapes.add(readShape(in));
            }
            int pendingCount = (int) readVarLong(in);
            List<Pending> pending = new ArrayList<>(pendingCount);
            long seq = 0;
            long minute = 0;
            for (int i = 0; i < pendingCount; i++) {
                seq += readVarLong(in);
                minute += unZigZag(readVarLong(in));
                pending.add(new Pending(seq, atSecond(shapes.get((int) readVarLong(in)), minute * 60)));
            }
            return new ExternalIdState((flags & SEEDS_DECIDED) != 0, (flags & HAS_SEEDS) != 0, seeds, lastDelivered,
                    firstSeq, firstRow, pending, (flags & SPILLED) != 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A version-2 state: what its folded facts left becomes the base (an event before every live fact; a delivered
     * among them has completed the seeds; its rows not completed are pending, as if right after it), and its live
     * facts are applied to that base in stream order. Their counter changes were written when they arrived, so they
     * are discarded here.
     */
    private static ExternalIdState decodeVersion2(DataInputStream in) throws IOException {
        boolean seedsLoaded = in.readBoolean();
        int seedCount = in.readInt();
        List<SeedRow> seeds = new ArrayList<>(seedCount);
        for (int i = 0; i < seedCount; i++) {
            seeds.add(new SeedRow(readUuid(in), in.readLong(), readUuid(in), in.readUTF()));
        }
        long throughSeq = in.readLong();
        boolean delivered = in.readBoolean();
        in.readBoolean(); // sealed rows: counted already, and no longer tracked in any version
        int rowCount = in.readInt();
        List<Pending> pending = new ArrayList<>();
        for (int i = 0; i < rowCount; i++) {
            RowGroup group = new RowGroup(in.readLong(), readUuid(in), in.readUTF(), in.readUTF(), in.readUTF(),
                    readText(in), readText(in), in.readUTF(), null, 0, null, 0);
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
            UUID instance = readUuid(in);
            String channel = in.readUTF();
            String contentType = readText(in);
            String errorStage = readText(in);
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
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writeShape(out, row);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** The row of {@link #encodeShape} at its minute. */
    static RowGroup decodeShape(byte[] stored, long minuteSecond) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(stored))) {
            return atSecond(readShape(in), minuteSecond);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A row without its minute: what the pending rows of one id share. */
    private static RowGroup shapeOf(RowGroup row) {
        return atSecond(row, 0);
    }

    private static RowGroup atSecond(RowGroup shape, long epochSecond) {
        return new RowGroup(epochSecond, shape.instanceId(), shape.channel(), shape.direction(), shape.eventType(),
                shape.contentType(), shape.errorStage(), shape.status(), null, 0, null, 0);
    }

    private static void writeShape(DataOutputStream out, RowGroup row) throws IOException {
        writeUuid(out, row.instanceId());
        out.writeUTF(row.channel());
        out.writeUTF(row.direction());
        out.writeUTF(row.eventType());
        writeText(out, row.contentType());
        writeText(out, row.errorStage());
        out.writeUTF(row.status());
    }

    private static RowGroup readShape(DataInputStream in) throws IOException {
        return new RowGroup(0, readUuid(in), in.readUTF(), in.readUTF(), in.readUTF(), readText(in), readText(in),
                in.readUTF(), null, 0, null, 0);
    }

    private static long zigZag(long value) {
        return (value << 1) ^ (value >> 63);
    }

    private static long unZigZag(long value) {
        return (value >>> 1) ^ -(value & 1);
    }

    private static void writeVarLong(DataOutputStream out, long value) throws IOException {
        long rest = value;
        while ((rest & ~0x7FL) != 0) {
            out.writeByte((int) ((rest & 0x7F) | 0x80));
            rest >>>= 7;
        }
        out.writeByte((int) rest);
    }

    private static long readVarLong(DataInputStream in) throws IOException {
        long value = 0;
        for (int shift = 0; ; shift += 7) {
            int b = in.readUnsignedByte();
            value |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
    }

    private static void writeUuid(DataOutputStream out, UUID uuid) throws IOException {
        out.writeBoolean(uuid != null);
        if (uuid != null) {
            out.writeLong(uuid.getMostSignificantBits());
            out.writeLong(uuid.getLeastSignificantBits());
        }
    }

    private static UUID readUuid(DataInputStream in) throws IOException {
        return in.readBoolean() ? new UUID(in.readLong(), in.readLong()) : null;
    }

    private static void writeText(DataOutputStream out, String text) throws IOException {
        out.writeBoolean(text != null);
        if (text != null) {
            out.writeUTF(text);
        }
    }

    private static String readText(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }
}
