package dev.omnirollup.store;

import dev.omnirollup.store.Decoded.MessageKind;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * What the index holds for one external id: the live events seen for it recently (sorted by stream sequence,
 * duplicates impossible because each message is applied once), what older events left (the {@link Base}), and
 * Omni's rows from before the cutover that carry it ({@code seedsLoaded} once they were looked up; only receipts
 * need them). Immutable; {@link #encode()} / {@link #decode(byte[])} give the stored form.
 */
record ExternalIdState(boolean seedsLoaded, List<SeedRow> appliedSeeds, Base base, List<LiveFact> facts) {
    static final ExternalIdState EMPTY = new ExternalIdState(false, List.of(), Base.NONE, List.of());
    private static final byte VERSION = 2;

    ExternalIdState {
        appliedSeeds = List.copyOf(appliedSeeds);
        facts = List.copyOf(facts);
    }

    /**
     * What the events up to {@code throughSeq} left, so they need not be replayed: the rows they inserted with
     * their statuses now, whether a delivered among them completed the seed rows, and whether rows were sealed
     * (dropped from here once there were too many: still counted and still existing for receipts, but a later
     * delivered no longer changes their status).
     */
    record Base(long throughSeq, boolean delivered, boolean sealedRows, Map<RowGroup, Long> rows) {
        static final Base NONE = new Base(0, false, false, Map.of());

        Base {
            rows = Map.copyOf(rows);
        }
    }

    /** Recent facts kept at most, however many arrived within the settle window. */
    static final int MAX_RECENT_FACTS = 1_024;

    /**
     * Folds the facts older than {@code settleWindow} sequences before the newest one into the base once there are
     * more than {@code maxFacts} of them (facts that old can no longer arrive out of order in practice; one that
     * does is replayed as if right after the base), keeps at most {@link #MAX_RECENT_FACTS} facts in any case, and
     * seals base rows beyond {@code maxBaseRows}: completed ones first (a receipt cannot change them), then the
     * oldest.
     *
     * @return the compacted state and the number of rows sealed
     */
    Compacted compact(int maxFacts, long settleWindow, int maxBaseRows) {
        if (facts.size() <= maxFacts) {
            return new Compacted(this, 0);
        }
        long limit = facts.get(facts.size() - 1).streamSeq() - settleWindow;
        int settled = 0;
        while (settled < facts.size() && facts.get(settled).streamSeq() <= limit) {
            settled++;
        }
        settled = Math.max(settled, facts.size() - MAX_RECENT_FACTS);
        if (settled == 0) {
            return new Compacted(this, 0);
        }
        List<LiveFact> prefix = facts.subList(0, settled);
        Contribution folded = Contribution.of(appliedSeeds, base, prefix);
        boolean delivered = base.delivered() || prefix.stream().anyMatch(f -> f.kind() == MessageKind.DELIVERED);
        Map<RowGroup, Long> rows = new java.util.HashMap<>(folded.liveRows());
        long sealed = 0;
        if (rows.size() > maxBaseRows) {
            List<RowGroup> order = new ArrayList<>(rows.keySet());
            order.sort(Comparator.comparing((RowGroup row) -> !row.status().equals("completed"))
                    .thenComparingLong(RowGroup::epochSecond));
            for (RowGroup row : order.subList(0, rows.size() - maxBaseRows)) {
                sealed += rows.remove(row);
            }
        }
        Base compacted = new Base(prefix.get(prefix.size() - 1).streamSeq(), delivered, base.sealedRows() || sealed > 0,
                rows);
        return new Compacted(new ExternalIdState(seedsLoaded, appliedSeeds, compacted,
                facts.subList(settled, facts.size())), sealed);
    }

    /** A compacted state and the rows it sealed. */
    record Compacted(ExternalIdState state, long sealedRows) {
    }

    /**
     * A row of Omni's from before the cutover with this external id, as found in {@code omni_events}.
     *
     * @param status the status backfill counts it with
     */
    record SeedRow(UUID rowId, long minute, UUID instanceId, String status) {
        SeedRow {
            Objects.requireNonNull(rowId, "rowId");
            Objects.requireNonNull(status, "status");
        }
    }

    /** A live message event for this external id, reduced to what its rows need. */
    record LiveFact(long streamSeq, MessageKind kind, long epochMs, UUID instanceId, String channel,
                    String contentType, String errorStage) {
        LiveFact {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(channel, "channel");
        }

        static LiveFact of(Decoded.MessageEvent event) {
            return new LiveFact(event.streamSeq(), event.kind(), event.epochMs(), event.instanceId().orElse(null),
                    event.channel(), event.contentType().orElse(null), event.errorStage().orElse(null));
        }

        /** The row this event inserts when it inserts one (contract §5.1). */
        RowGroup row() {
            return switch (kind) {
                case RECEIVED -> RowGroup.live(epochMs, instanceId, channel, "inbound", kind.eventType(),
                        contentType, null, "received");
                case SENT -> RowGroup.live(epochMs, instanceId, channel, "outbound", kind.eventType(),
                        contentType, null, "completed");
                case FAILED -> RowGroup.live(epochMs, instanceId, channel, "outbound", kind.eventType(),
                        null, errorStage, "failed");
                case DELIVERED, READ -> RowGroup.live(epochMs, instanceId, channel, "outbound", kind.eventType(),
                        null, null, "completed");
            };
        }
    }

    static final Comparator<LiveFact> STREAM_ORDER = Comparator.comparingLong(LiveFact::streamSeq);

    /** This state with more live facts, kept in stream order. */
    ExternalIdState withFacts(List<LiveFact> more) {
        List<LiveFact> all = new ArrayList<>(facts);
        all.addAll(more);
        all.sort(STREAM_ORDER);
        return new ExternalIdState(seedsLoaded, appliedSeeds, base, all);
    }

    /** This state with the rows found in Omni's table. */
    ExternalIdState withSeeds(List<SeedRow> seeds) {
        return new ExternalIdState(true, seeds, base, facts);
    }

    /** What these facts contribute to the counters. */
    Contribution contribution() {
        return Contribution.of(appliedSeeds, base, facts);
    }

    /** True when the facts include a receipt, the only kind of event whose effect depends on earlier rows. */
    boolean needsSeeds() {
        return !seedsLoaded && facts.stream().anyMatch(f -> f.kind() == MessageKind.DELIVERED || f.kind() == MessageKind.READ);
    }

    byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 + 48 * (appliedSeeds.size() + facts.size()));
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeBoolean(seedsLoaded);
            out.writeInt(appliedSeeds.size());
            for (SeedRow seed : appliedSeeds) {
                writeUuid(out, seed.rowId());
                out.writeLong(seed.minute());
                writeUuid(out, seed.instanceId());
                out.writeUTF(seed.status());
            }
            out.writeLong(base.throughSeq());
            out.writeBoolean(base.delivered());
            out.writeBoolean(base.sealedRows());
            out.writeInt(base.rows().size());
            for (Map.Entry<RowGroup, Long> row : base.rows().entrySet()) {
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
            out.writeInt(facts.size());
            for (LiveFact fact : facts) {
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
            return EMPTY;
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(stored))) {
            byte version = in.readByte();
            if (version != VERSION) {
                throw new IllegalStateException("unknown external-id state version " + version);
            }
            boolean seedsLoaded = in.readBoolean();
            int seedCount = in.readInt();
            List<SeedRow> seeds = new ArrayList<>(seedCount);
            for (int i = 0; i < seedCount; i++) {
                seeds.add(new SeedRow(readUuid(in), in.readLong(), readUuid(in), in.readUTF()));
            }
            long throughSeq = in.readLong();
            boolean delivered = in.readBoolean();
            boolean sealedRows = in.readBoolean();
            int rowCount = in.readInt();
            Map<RowGroup, Long> rows = new java.util.HashMap<>();
            for (int i = 0; i < rowCount; i++) {
                RowGroup group = new RowGroup(in.readLong(), readUuid(in), in.readUTF(), in.readUTF(), in.readUTF(),
                        readText(in), readText(in), in.readUTF(), null, 0, null, 0);
                rows.put(group, in.readLong());
            }
            Base base = rowCount == 0 && throughSeq == 0 && !delivered && !sealedRows ? Base.NONE
                    : new Base(throughSeq, delivered, sealedRows, rows);
            int factCount = in.readInt();
            List<LiveFact> facts = new ArrayList<>(factCount);
            MessageKind[] kinds = MessageKind.values();
            for (int i = 0; i < factCount; i++) {
                facts.add(new LiveFact(in.readLong(), kinds[in.readByte()], in.readLong(), readUuid(in),
                        in.readUTF(), readText(in), readText(in)));
            }
            return new ExternalIdState(seedsLoaded, seeds, base, facts);
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
