package dev.omnirollup.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Backfill's allocation-free fold against the reference: the same rows added to {@link RollupChanges} (the live
 * fold's accumulator) one {@link RowGroup} each must give the same rows, counters and breakdowns at every grain and
 * scope.
 */
class BackfillFoldTest {
    private static final long DAY = 1_764_633_600L; // 2025-12-02T00:00:00Z
    private static final String[] CHANNELS = {"whatsapp-baileys", "discord", "telegram", "with \"quote\" and \\"};
    private static final String[] DIRECTIONS = {"inbound", "outbound", "sideways"};
    private static final String[] TYPES = {"message.received", "message.sent", "message.failed"};
    private static final String[] CONTENT = {null, "text", "image", "audio"};
    private static final String[] STAGES = {null, "agent", "tab\there"};
    private static final String[] STATUSES = {"received", "completed", "failed", "pending", "processing", "read"};

    @Test
    void foldsExactlyAsTheLiveAccumulator() {
        Random random = new Random(7);
        List<UUID> instances = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            instances.add(new UUID(random.nextLong(), random.nextLong()));
        }
        instances.add(new UUID(0x8000000000000000L, 1)); // sorts first as a signed long, last as PostgreSQL's bytes
        long minuteFloor = DAY + 17 * 3600 + 25 * 60;
        BackfillFold fold = new BackfillFold(DAY, minuteFloor);
        RollupChanges reference = new RollupChanges(minuteFloor);
        for (int i = 0; i < 20_000; i++) {
            long second = DAY + random.nextInt(86_400);
            UUID instance = random.nextInt(20) == 0 ? null : instances.get(random.nextInt(instances.size()));
            String channel = pick(random, CHANNELS);
            String direction = pick(random, DIRECTIONS);
            String type = pick(random, TYPES);
            String content = pick(random, CONTENT);
            String stage = pick(random, STAGES);
            String status = pick(random, STATUSES);
            Long processing = random.nextBoolean() ? null : (long) random.nextInt(100_000);
            Long agent = random.nextInt(3) == 0 ? null : (long) random.nextInt(2_000);
            fold.add(second, instance == null ? CopyBinaryReader.NULL
                            : fold.instance(instance.getMostSignificantBits(), instance.getLeastSignificantBits()),
                    id(fold.channels.texts, channel), id(fold.directions.texts, direction), id(fold.eventTypes.texts, type),
                    id(fold.contentTypes.texts, content), id(fold.errorStages.texts, stage), id(fold.statuses.texts, status),
                    processing != null, processing == null ? 0 : processing, agent != null, agent == null ? 0 : agent);
            reference.addRows(new RowGroup(second, instance, channel, direction, type, content, stage, status,
                    processing == null ? null : LatencyBins.binOf(processing), processing == null ? 0 : processing,
                    agent == null ? null : LatencyBins.binOf(agent), agent == null ? 0 : agent), 1);
        }
        assertEquals(20_000, fold.rows());

        RollupChanges.Snapshot expected = reference.snapshot();
        Map<RollupKey, MessageCounts> counts = new HashMap<>();
        Map<RollupKey, Map<String, Long>> breakdowns = new HashMap<>();
        for (Grain grain : new Grain[] {Grain.MINUTE, Grain.HOUR, Grain.DAY}) {
            List<RollupKey> order = new ArrayList<>();
            fold.rows(grain, (scope, subject, bucket, counters, dims) -> {
                RollupKey key = new RollupKey(grain, scope, subject, bucket);
                order.add(key);
                counts.put(key, MessageCounts.of(counters.clone()));
                CopyBinaryWriter.Bytes json = new CopyBinaryWriter.Bytes(16);
                dims.appendTo(json);
                Map<String, Long> map = DimsJson.read(new String(json.toArray(), StandardCharsets.UTF_8));
                if (!map.isEmpty()) {
                    breakdowns.put(key, map);
                }
            });
            for (int i = 1; i < order.size(); i++) {
                assertTrue(primaryKeyOrder(order.get(i - 1), order.get(i)) < 0,
                        "rows in primary-key order: " + order.get(i - 1) + " before " + order.get(i));
            }
        }
        RollupChanges totals = new RollupChanges(minuteFloor);
        fold.addTotals(totals);
        counts.putAll(totals.snapshot().messages());
        breakdowns.putAll(totals.snapshot().breakdowns());

        assertEquals(expected.messages(), counts);
        assertEquals(expected.breakdowns(), breakdowns);
        assertTrue(counts.keySet().stream().anyMatch(k -> k.grain() == Grain.MINUTE), "minute rows from the floor on");
        assertTrue(counts.keySet().stream().filter(k -> k.grain() == Grain.MINUTE)
                .allMatch(k -> k.bucket() >= minuteFloor), "no minute rows before the floor");
    }

    @Test
    void aRowOutsideTheDayIsRefused() {
        BackfillFold fold = new BackfillFold(DAY, DAY);
        int channel = id(fold.channels.texts, "discord");
        assertThrows(IllegalArgumentException.class, () -> fold.add(DAY + 86_400, CopyBinaryReader.NULL, channel,
                id(fold.directions.texts, "inbound"), id(fold.eventTypes.texts, "message.received"), CopyBinaryReader.NULL,
                CopyBinaryReader.NULL, id(fold.statuses.texts, "received"), false, 0, false, 0));
    }

    @Test
    void textsNumberManyDistinctValuesStably() {
        CopyBinaryReader.Texts texts = new CopyBinaryReader.Texts();
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < 500; i++) {
                assertEquals(i, id(texts, "value-" + i));
            }
        }
        assertEquals("value-321", texts.string(321));
    }

    private static int id(CopyBinaryReader.Texts texts, String value) {
        if (value == null) {
            return CopyBinaryReader.NULL;
        }
        byte[] bytes = ("xx" + value).getBytes(StandardCharsets.UTF_8);
        return texts.idOf(bytes, 2, bytes.length - 2);
    }

    private static <T> T pick(Random random, T[] values) {
        return values[random.nextInt(values.length)];
    }

    /** PostgreSQL's order of a table's rows: scope, bucket, then the uuid's bytes unsigned. */
    private static int primaryKeyOrder(RollupKey a, RollupKey b) {
        int c = Short.compare(a.scope().code, b.scope().code);
        if (c == 0) {
            c = Long.compare(a.bucket(), b.bucket());
        }
        if (c == 0) {
            c = Long.compareUnsigned(a.subject().getMostSignificantBits(), b.subject().getMostSignificantBits());
        }
        if (c == 0) {
            c = Long.compareUnsigned(a.subject().getLeastSignificantBits(), b.subject().getLeastSignificantBits());
        }
        return c;
    }
}
