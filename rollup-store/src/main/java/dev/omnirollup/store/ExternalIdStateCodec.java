package dev.omnirollup.store;

import dev.omnirollup.store.Decoded.MessageKind;
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
import java.util.UUID;

/**
 * The stored form of an {@link ExternalIdState} ({@code message_index.state}): a version byte, the seed rows, the
 * folded facts and the live facts, in {@link DataOutputStream} encoding. Pure.
 */
final class ExternalIdStateCodec {
    private static final byte VERSION = 2;

    private ExternalIdStateCodec() {
    }

    static byte[] encode(ExternalIdState state) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 + 48 * (state.appliedSeeds().size() + state.facts().size()));
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeBoolean(state.seedsLoaded());
            out.writeInt(state.appliedSeeds().size());
            for (ExternalIdState.SeedRow seed : state.appliedSeeds()) {
                writeUuid(out, seed.rowId());
                out.writeLong(seed.minute());
                writeUuid(out, seed.instanceId());
                out.writeUTF(seed.status());
            }
            out.writeLong(state.folded().throughSeq());
            out.writeBoolean(state.folded().delivered());
            out.writeBoolean(state.folded().sealedRows());
            out.writeInt(state.folded().rows().size());
            for (Map.Entry<RowGroup, Long> row : state.folded().rows().entrySet()) {
                RowGroup group = row.getKey();
                out.writeLong(group.epochSecond());
                writeUuid(out, group.instanceId());
                out.writeUTF(group.channel());
                out.writeUTF(group.direction());
                out.writeUTF(group.eventType());
                writeText(out, group.contentType());
                writeText(out, group.errorStage());
                out.writeUTF(group.status());
                out.writeLong(row.getValue());
            }
            out.writeInt(state.facts().size());
            for (ExternalIdState.LiveFact fact : state.facts()) {
                out.writeLong(fact.streamSeq());
                out.writeByte(fact.kind().ordinal());
                out.writeLong(fact.epochMs());
                writeUuid(out, fact.instanceId());
                out.writeUTF(fact.channel());
                writeText(out, fact.contentType());
                writeText(out, fact.errorStage());
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
            if (version != VERSION) {
                throw new IllegalStateException("unknown external-id state version " + version);
            }
            boolean seedsLoaded = in.readBoolean();
            int seedCount = in.readInt();
            List<ExternalIdState.SeedRow> seeds = new ArrayList<>(seedCount);
            for (int i = 0; i < seedCount; i++) {
                seeds.add(new ExternalIdState.SeedRow(readUuid(in), in.readLong(), readUuid(in), in.readUTF()));
            }
            long throughSeq = in.readLong();
            boolean delivered = in.readBoolean();
            boolean sealedRows = in.readBoolean();
            int rowCount = in.readInt();
            Map<RowGroup, Long> rows = new HashMap<>();
            for (int i = 0; i < rowCount; i++) {
                RowGroup group = new RowGroup(in.readLong(), readUuid(in), in.readUTF(), in.readUTF(), in.readUTF(),
                        readText(in), readText(in), in.readUTF(), null, 0, null, 0);
                rows.put(group, in.readLong());
            }
            ExternalIdState.FoldedFacts folded = rowCount == 0 && throughSeq == 0 && !delivered && !sealedRows
                    ? ExternalIdState.FoldedFacts.NONE
                    : new ExternalIdState.FoldedFacts(throughSeq, delivered, sealedRows, rows);
            int factCount = in.readInt();
            List<ExternalIdState.LiveFact> facts = new ArrayList<>(factCount);
            MessageKind[] kinds = MessageKind.values();
            for (int i = 0; i < factCount; i++) {
                facts.add(new ExternalIdState.LiveFact(in.readLong(), kinds[in.readByte()], in.readLong(), readUuid(in),
                        in.readUTF(), readText(in), readText(in)));
            }
            return new ExternalIdState(seedsLoaded, seeds, folded, facts);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
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
