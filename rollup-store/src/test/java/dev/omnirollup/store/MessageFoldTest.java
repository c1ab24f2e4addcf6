package dev.omnirollup.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omnirollup.store.Decoded.MessageEvent;
import dev.omnirollup.store.Decoded.MessageKind;
import dev.omnirollup.store.ExternalIdState.SeedRow;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class MessageFoldTest {
    private static final long T0 = 1_760_000_000_000L;
    private static final UUID INSTANCE = UUID.fromString("11111111-1111-4111-8111-111111111111");

    @Test
    void sentThenDeliveredIsOneCompletedRow() {
        RollupChanges.Snapshot cells = foldInOneBatch(List.of(
                event(1, MessageKind.SENT, "x", 0),
                event(2, MessageKind.DELIVERED, "x", 1)));
        assertEquals(1, total(cells));
        assertEquals(1, column(cells, MessageCounter.COMPLETED));
        assertEquals(1, dim(cells, Dim.EVENT_TYPE, "message.sent"));
        assertEquals(0, dim(cells, Dim.EVENT_TYPE, "message.delivered"));
    }

    @Test
    void deliveredBeforeSentIsTwoRows() {
        RollupChanges.Snapshot cells = foldInOneBatch(List.of(
                event(1, MessageKind.DELIVERED, "x", 0),
                event(2, MessageKind.SENT, "x", 1)));
        assertEquals(2, total(cells));
        assertEquals(1, dim(cells, Dim.EVENT_TYPE, "message.delivered"));
        assertEquals(1, dim(cells, Dim.EVENT_TYPE, "message.sent"));
    }

    @Test
    void deliveredFlipsInboundRowsAndReadNeverChangesStatus() {
        RollupChanges.Snapshot cells = foldInOneBatch(List.of(
                event(1, MessageKind.RECEIVED, "x", 0),
                event(2, MessageKind.READ, "x", 1),
                event(3, MessageKind.RECEIVED, "x", 2),
                event(4, MessageKind.DELIVERED, "x", 3),
                event(5, MessageKind.READ, "y", 4)));
        assertEquals(3, total(cells));
        assertEquals(3, column(cells, MessageCounter.COMPLETED));
        assertEquals(2, column(cells, MessageCounter.INBOUND));
        assertEquals(1, dim(cells, Dim.EVENT_TYPE, "message.read"));
    }

    /**
     * A delivered/read whose externalId is null: Omni's {@code UPDATE ... WHERE external_id = NULL} matches nothing
     * (not even rows whose external id is NULL) and it inserts its own completed row with a NULL external id.
     */
    @Test
    void receiptsWithoutAnExternalIdInsertTheirOwnRowAndChangeNoOther() {
        MessageEvent delivered = new MessageEvent(3, MessageKind.DELIVERED, "e3", T0 + 2_000, Optional.of(INSTANCE),
                "whatsapp-baileys", Optional.empty(), Optional.empty(), Optional.empty());
        MessageEvent read = new MessageEvent(4, MessageKind.READ, "e4", T0 + 3_000, Optional.empty(), "discord",
                Optional.empty(), Optional.empty(), Optional.empty());
        MessageFold.Result result = MessageFold.fold(List.of(
                failed(1, null, "WHATSAPP_SEND_FAILED"),
                event(2, MessageKind.SENT, "x", 1),
                delivered, read), Map.of(), Map.of(), 0);
        RollupChanges.Snapshot cells = result.changes().snapshot();
        assertEquals(4, total(cells));
        assertEquals(1, column(cells, MessageCounter.FAILED), "the failed row without external id stays failed");
        assertEquals(3, column(cells, MessageCounter.COMPLETED));
        assertEquals(1, dim(cells, Dim.EVENT_TYPE, "message.delivered"));
        assertEquals(1, dim(cells, Dim.EVENT_TYPE, "message.read"));
        assertEquals(4, column(cells, MessageCounter.OUTBOUND));
        assertEquals(Set.of("x"), result.states().keySet(), "no state is kept for a NULL external id");
        assertEquals(Set.of("x"), MessageFold.needingSeeds(List.of(delivered, read,
                event(5, MessageKind.READ, "x", 4)), Map.of()), "nothing to look up for them either");
    }

    @Test
    void deliveredFlipsFailedRowsOutOfFailed() {
        RollupChanges.Snapshot cells = foldInOneBatch(List.of(
                failed(1, "x", "DISCORD_SEND_FAILED"),
                event(2, MessageKind.DELIVERED, "x", 1)));
        assertEquals(1, total(cells));
        assertEquals(0, column(cells, MessageCounter.FAILED));
        assertEquals(1, column(cells, MessageCounter.COMPLETED));
        assertEquals(1, dim(cells, Dim.ERROR_STAGE, "DISCORD_SEND_FAILED"));
    }

    @Test
    void aDeliveredForASeedRowMovesItsStatusInItsOwnBucket() {
        UUID row = UUID.randomUUID();
        long seedMinute = Grain.MINUTE.bucketOf(T0 / 1000 - 86_400);
        Map<String, List<SeedRow>> seeds = Map.of("x", List.of(new SeedRow(row, seedMinute, INSTANCE, "received")));
        MessageFold.Result result = MessageFold.fold(List.of(event(7, MessageKind.DELIVERED, "x", 0)),
                Map.of(), seeds, 0);
        RollupChanges.Snapshot cells = result.changes().snapshot();
        assertEquals(0, total(cells));
        MessageCounts day = cells.messages().get(RollupKey.of(Grain.DAY, INSTANCE, Grain.DAY.bucketOf(seedMinute)));
        assertEquals(1, day.get(MessageCounter.COMPLETED));
        assertEquals(0, day.get(MessageCounter.TOTAL), "the row moves; no row is added");
        assertEquals(0, day.get(MessageCounter.FAILED));
    }

    /**
     * The heart of exactly-once under several workers: however the events of a stream are cut into batches and
     * whatever order the batches commit in, the counters equal those of applying the stream in order.
     */
    @Test
    void batchesInAnyOrderGiveTheStreamOrderResult() {
        Random random = new Random(42);
        for (int round = 0; round < 300; round++) {
            List<MessageEvent> stream = randomStream(random, 1 + random.nextInt(40));
            RollupChanges.Snapshot expected = foldInOneBatch(stream);
            assertEquals(expected, foldInShuffledBatches(stream, random), "round " + round);
            assertEquals(referenceRowCount(stream), total(expected), "round " + round);
        }
    }

    /**
     * Seeds (Omni's rows from before the cutover) are looked up when an external id first needs them; folding in
     * shuffled batches with lookups on demand equals folding the stream in order with every seed known.
     */
    @Test
    void seedsLookedUpOnDemandGiveTheSameResultInAnyBatchOrder() {
        Random random = new Random(7);
        for (int round = 0; round < 300; round++) {
            List<MessageEvent> stream = randomStream(random, 1 + random.nextInt(30));
            Map<String, List<SeedRow>> seeds = randomSeeds(random, round);
            MessageFold.Result inOrder = MessageFold.fold(stream, Map.of(), seeds, 0);

            List<List<MessageEvent>> batches = new ArrayList<>();
            for (int i = 0; i < stream.size(); ) {
                int size = 1 + random.nextInt(4);
                batches.add(stream.subList(i, Math.min(stream.size(), i + size)));
                i += size;
            }
            Collections.shuffle(batches, random);
            Map<String, ExternalIdState> stored = new HashMap<>();
            RollupChanges total = new RollupChanges(0);
            for (List<MessageEvent> batch : batches) {
                Map<String, List<SeedRow>> lookedUp = new HashMap<>();
                MessageFold.needingSeeds(batch, stored).forEach(id -> lookedUp.put(id, seeds.get(id)));
                MessageFold.Result result = MessageFold.fold(batch, stored, lookedUp, 0);
                stored.putAll(result.states());
                total.addAll(result.changes());
            }
            assertEquals(inOrder.changes().snapshot(), total.snapshot(), "round " + round);
        }
    }

    /**
     * Upstream's rules replayed naively over the whole stream equal the fold of the same stream cut into batches
     * and applied in any order, events arriving late by any distance: ids reused hundreds of times (Telegram's
     * counters), with seeds, and receipts before, between and after their messages.
     */
    @Test
    void reusedIdsWithEventsLateByAnyDistanceEqualUpstreamsRows() {
        Random random = new Random(11);
        for (int round = 0; round < 60; round++) {
            List<MessageEvent> stream = randomStream(random, 200 + random.nextInt(1_800));
            if (round % 2 == 0) {
                // rare delivereds: hundreds of rows wait for one, as for Telegram's reused ids
                stream = stream.stream().filter(e -> e.kind() != MessageKind.DELIVERED || random.nextInt(20) == 0)
                        .toList();
            }
            Map<String, List<SeedRow>> seeds = randomSeeds(random, round);
            RollupChanges.Snapshot upstream = upstreamRows(stream, seeds);
            List<List<MessageEvent>> batches = new ArrayList<>();
            for (int i = 0; i < stream.size(); ) {
                int size = 1 + random.nextInt(30);
                batches.add(stream.subList(i, Math.min(stream.size(), i + size)));
                i += size;
            }
            Collections.shuffle(batches, random);
            Map<String, ExternalIdState> stored = new HashMap<>();
            Map<String, List<ExternalIdState.Pending>> setAside = new HashMap<>(); // message_pending
            int keep = random.nextInt(4);
            RollupChanges total = new RollupChanges(0);
            for (List<MessageEvent> batch : batches) {
                Map<String, List<SeedRow>> lookedUp = new HashMap<>();
                MessageFold.needingSeeds(batch, stored).forEach(id -> lookedUp.put(id, seeds.get(id)));
                for (String id : MessageFold.needingUnspill(batch, stored)) {
                    stored.put(id, stored.get(id).withUnspilled(setAside.getOrDefault(id, List.of())));
                    setAside.remove(id);
                }
                MessageFold.Result result = MessageFold.fold(batch, stored, lookedUp, 0);
                MessageFold.Spilled spilled = MessageFold.spill(result.states(), keep);
                spilled.states().forEach((id, state) -> stored.put(id, ExternalIdStateCodec.decode(
                        ExternalIdStateCodec.encode(state))));
                spilled.rows().forEach((id, rows) -> setAside.computeIfAbsent(id, k -> new ArrayList<>()).addAll(rows));
                total.addAll(result.changes());
            }
            assertEquals(upstream, total.snapshot(), "round " + round);
            assertTrue(stored.values().stream().allMatch(state -> state.pending().size() <= keep));
        }
    }

    /**
     * An id used again and again keeps only the rows a later delivered can still complete: none after a delivered,
     * none for sent rows (already completed), and, for rows no delivered ever follows (Telegram's inbound messages),
     * none older than the index horizon.
     */
    @Test
    void aReusedIdKeepsOnlyTheRowsALaterDeliveredCanComplete() {
        Map<String, ExternalIdState> stored = new HashMap<>();
        RollupChanges total = new RollupChanges(0);
        int events = 20_000;
        for (int i = 0; i < events; i += 100) {
            List<MessageEvent> batch = new ArrayList<>();
            for (int k = i; k < i + 100; k++) {
                MessageKind kind = k % 100 == 99 ? MessageKind.DELIVERED : k % 2 == 0 ? MessageKind.SENT : MessageKind.RECEIVED;
                batch.add(event(k + 1, kind, "7", k * 60L));
                batch.add(event(k + 1 + events, MessageKind.SENT, "8", k * 60L));
            }
            MessageFold.Result result = MessageFold.fold(batch, stored, Map.of(), 0);
            stored.putAll(result.states());
            total.addAll(result.changes());
        }
        assertEquals(List.of(), stored.get("7").pending(), "the last delivered completed every row");
        assertEquals(List.of(), stored.get("8").pending(), "sent rows are completed already");
        assertTrue(ExternalIdStateCodec.encode(stored.get("8")).length < 16, "a constant-size state");
        assertEquals(events * 2 - events / 100, total(total.snapshot()), "every row counted once, no receipt row");
        assertEquals(total(total.snapshot()), column(total.snapshot(), MessageCounter.COMPLETED),
                "every row completed, inbound ones included");

        Map<String, ExternalIdState> inbound = new HashMap<>();
        long horizonMinutes = 500;
        for (int i = 0; i < events; i += 100) {
            List<MessageEvent> batch = new ArrayList<>();
            for (int k = i; k < i + 100; k++) {
                batch.add(event(k + 1, MessageKind.RECEIVED, "9", k * 60L));
            }
            long now = T0 / 1000 + (i + 100) * 60L;
            inbound.putAll(MessageFold.fold(batch, inbound, Map.of(), 0, now - horizonMinutes * 60).states());
        }
        int pending = inbound.get("9").pending().size();
        assertTrue(pending >= horizonMinutes - 1 && pending <= horizonMinutes + 1, "rows within the horizon: " + pending);
        assertTrue(ExternalIdStateCodec.encode(inbound.get("9")).length < 8 * horizonMinutes,
                "a few bytes a row: " + ExternalIdStateCodec.encode(inbound.get("9")).length);
    }

    @Test
    void stateSurvivesEncoding() {
        Random random = new Random(3);
        List<MessageEvent> withoutDelivered = randomStream(random, 300).stream()
                .filter(event -> event.kind() != MessageKind.DELIVERED).toList();
        MessageFold.Result result = MessageFold.fold(withoutDelivered, Map.of(), Map.of(
                "a", List.of(new SeedRow(UUID.randomUUID(), 60, null, "received")), "b", List.of()), 0);
        assertTrue(result.states().values().stream().anyMatch(state -> state.pending().size() > 2));
        result.states().values().forEach(state -> assertEquals(state,
                ExternalIdStateCodec.decode(ExternalIdStateCodec.encode(state))));
    }

    /**
     * A state stored by the previous version (live facts and folded ones) reads as the state its facts give: the
     * delivered among them completed the row before it, the received after it is pending, and the first event's
     * sequence is kept.
     */
    @Test
    void aVersionTwoStateReadsAsTheStateItsFactsGive() throws java.io.IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
            out.writeByte(2);
            out.writeBoolean(true); // seeds looked up
            out.writeInt(0); // no seeds
            out.writeLong(0); // nothing folded
            out.writeBoolean(false);
            out.writeBoolean(false);
            out.writeInt(0);
            out.writeInt(3);
            long[] seqs = {5, 6, 7};
            MessageKind[] kinds = {MessageKind.RECEIVED, MessageKind.DELIVERED, MessageKind.RECEIVED};
            for (int i = 0; i < 3; i++) {
                out.writeLong(seqs[i]);
                out.writeByte(kinds[i].ordinal());
                out.writeLong(T0 + i * 60_000L);
                out.writeBoolean(true);
                out.writeLong(INSTANCE.getMostSignificantBits());
                out.writeLong(INSTANCE.getLeastSignificantBits());
                out.writeUTF("whatsapp-baileys");
                out.writeBoolean(false);
                out.writeBoolean(false);
            }
        }
        ExternalIdState state = ExternalIdStateCodec.decode(bytes.toByteArray());
        assertEquals(5, state.firstSeq());
        assertEquals(6, state.lastDelivered());
        assertEquals(1, state.pending().size());
        assertEquals(7, state.pending().get(0).streamSeq());
        assertEquals("received", state.pending().get(0).row().status());
        // a later delivered completes exactly that row
        MessageFold.Result receipt = MessageFold.fold(List.of(event(9, MessageKind.DELIVERED, "x", 600)),
                Map.of("x", state), Map.of(), 0);
        assertEquals(1, column(receipt.changes().snapshot(), MessageCounter.COMPLETED));
        assertEquals(0, total(receipt.changes().snapshot()), "no row added");
        assertEquals(List.of(), receipt.states().get("x").pending());
    }

    /** Upstream's persistence replayed row by row in stream order: the counters of the rows it ends up with. */
    private static RollupChanges.Snapshot upstreamRows(List<MessageEvent> stream, Map<String, List<SeedRow>> seeds) {
        record Row(String externalId, RowGroup group, String[] status) {
        }
        List<Row> rows = new ArrayList<>();
        Map<String, List<String[]>> seedStatus = new HashMap<>();
        Map<String, List<String[]>> byId = new HashMap<>();
        seeds.forEach((id, list) -> list.forEach(seed -> {
            String[] status = {seed.status()};
            seedStatus.computeIfAbsent(id, k -> new ArrayList<>()).add(status);
            byId.computeIfAbsent(id, k -> new ArrayList<>()).add(status);
        }));
        for (MessageEvent event : stream) {
            String id = event.externalId().orElse(null);
            List<String[]> existing = id == null ? List.of() : byId.getOrDefault(id, List.of());
            boolean receipt = event.kind() == MessageKind.DELIVERED || event.kind() == MessageKind.READ;
            if (receipt && !existing.isEmpty()) {
                if (event.kind() == MessageKind.DELIVERED) {
                    existing.forEach(status -> status[0] = "completed");
                }
                continue;
            }
            RowGroup group = ExternalIdState.rowOf(event);
            Row row = new Row(id, group, new String[] {group.status()});
            rows.add(row);
            if (id != null) {
                byId.computeIfAbsent(id, k -> new ArrayList<>()).add(row.status());
            }
        }
        RollupChanges changes = new RollupChanges(0);
        rows.forEach(row -> changes.addRows(row.group().withStatus(row.status()[0]), 1));
        seeds.forEach((id, list) -> {
            for (int i = 0; i < list.size(); i++) {
                SeedRow seed = list.get(i);
                String now = seedStatus.get(id).get(i)[0];
                if (!now.equals(seed.status())) {
                    changes.moveStatus(seed.minute(), seed.instanceId(), seed.status(), now, 1);
                }
            }
        });
        return changes.snapshot();
    }

    private static Map<String, List<SeedRow>> randomSeeds(Random random, int round) {
        Map<String, List<SeedRow>> seeds = new HashMap<>();
        for (String id : List.of("a", "b", "c")) {
            List<SeedRow> rows = new ArrayList<>();
            for (int k = random.nextInt(3); k > 0; k--) {
                rows.add(new SeedRow(new UUID(round, id.hashCode() * 10L + k), Grain.MINUTE.bucketOf(T0 / 1000 - 600 * k),
                        INSTANCE, List.of("received", "failed", "completed").get(random.nextInt(3))));
            }
            seeds.put(id, rows);
        }
        return seeds;
    }

    private static RollupChanges.Snapshot foldInOneBatch(List<MessageEvent> events) {
        return MessageFold.fold(events, Map.of(), Map.of(), 0).changes().snapshot();
    }

    private static RollupChanges.Snapshot foldInShuffledBatches(List<MessageEvent> stream, Random random) {
        List<List<MessageEvent>> batches = new ArrayList<>();
        List<MessageEvent> current = new ArrayList<>();
        for (MessageEvent event : stream) {
            current.add(event);
            if (random.nextInt(3) == 0) {
                batches.add(current);
                current = new ArrayList<>();
            }
        }
        batches.add(current);
        Collections.shuffle(batches, random);
        Map<String, ExternalIdState> stored = new HashMap<>();
        RollupChanges total = new RollupChanges(0);
        for (List<MessageEvent> batch : batches) {
            MessageFold.Result result = MessageFold.fold(batch, stored, Map.of(), 0);
            stored.putAll(result.states());
            total.addAll(result.changes());
        }
        return total.snapshot();
    }

    /** Upstream's rules replayed naively: the number of rows the table ends up with. */
    private static long referenceRowCount(List<MessageEvent> stream) {
        Map<String, Integer> rowsById = new HashMap<>();
        long rows = 0;
        for (MessageEvent event : stream) {
            String id = event.externalId().orElse(null);
            int existing = id == null ? 0 : rowsById.getOrDefault(id, 0);
            boolean inserts = switch (event.kind()) {
                case RECEIVED, SENT, FAILED -> true;
                case DELIVERED, READ -> existing == 0;
            };
            if (inserts) {
                rows++;
                if (id != null) {
                    rowsById.merge(id, 1, Integer::sum);
                }
            }
        }
        return rows;
    }

    private static List<MessageEvent> randomStream(Random random, int length) {
        List<MessageEvent> events = new ArrayList<>();
        String[] ids = {"a", "b", "c"};
        MessageKind[] kinds = MessageKind.values();
        for (int i = 0; i < length; i++) {
            MessageKind kind = kinds[random.nextInt(kinds.length)];
            if (kind == MessageKind.FAILED) {
                events.add(failed(i + 1, random.nextBoolean() ? ids[random.nextInt(3)] : null,
                        random.nextBoolean() ? "WHATSAPP_RATE_LIMITED" : null));
            } else {
                boolean receipt = kind == MessageKind.DELIVERED || kind == MessageKind.READ;
                String id = receipt && random.nextInt(6) == 0 ? null : ids[random.nextInt(3)];
                events.add(event(i + 1, kind, id, random.nextInt(7200)));
            }
        }
        return events;
    }

    static MessageEvent event(long seq, MessageKind kind, String externalId, long secondsAfterT0) {
        return new MessageEvent(seq, kind, "e" + seq, T0 + secondsAfterT0 * 1000, Optional.of(INSTANCE),
                "whatsapp-baileys", kind == MessageKind.RECEIVED ? Optional.of("text") : Optional.empty(),
                Optional.empty(), Optional.ofNullable(externalId));
    }

    static MessageEvent failed(long seq, String externalId, String errorCode) {
        return new MessageEvent(seq, MessageKind.FAILED, "e" + seq, T0 + seq * 1000, Optional.of(INSTANCE), "discord",
                Optional.empty(), Optional.ofNullable(errorCode), Optional.ofNullable(externalId));
    }

    private static long total(RollupChanges.Snapshot cells) {
        return cells.total(MessageCounter.TOTAL);
    }

    /** The all-instances running total of one counter. */
    private static long column(RollupChanges.Snapshot cells, MessageCounter counter) {
        return cells.total(counter);
    }

    private static long dim(RollupChanges.Snapshot cells, Dim dim, String key) {
        return cells.total(dim, key);
    }
}
