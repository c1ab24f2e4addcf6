package dev.omnirollup.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The binary COPY writer against PostgreSQL itself: what it writes is what the server stores, across many chunks,
 * with rows larger than a chunk, with every awkward value the breakdowns' JSON can hold, and a writer that fails
 * half-way leaves nothing and a usable connection.
 */
class CopyBinaryWriterTest {
    private static final String TABLE = "CREATE TABLE rollup.copy_probe (n int8, a int2, b int8, c uuid, d text)";
    private static final String COPY = "COPY rollup.copy_probe (n, a, b, c, d) FROM STDIN (FORMAT binary)";
    private static final String[] AWKWARD = {"plain", "with \"quote\"", "back\\slash", "tab\there", "new\nline",
        "café", "emoji \uD83D\uDE00", "", "i:00000000-0000-0000-0000-000000000000"};

    @Test
    void whatItWritesIsWhatPostgresStores() {
        try (ScratchRollups db = ScratchRollups.create(2)) {
            db.execute(TABLE);
            Random random = new Random(11);
            List<String> expected = new ArrayList<>();
            long written = db.rollups.withHandle(handle -> PgCopy.inBinary(handle, COPY, 5, out -> {
                for (int i = 0; i < 20_000; i++) {
                    short a = (short) (random.nextInt(65_536) - 32_768);
                    long b = switch (i) {
                        case 0 -> Long.MIN_VALUE;
                        case 1 -> Long.MAX_VALUE;
                        case 2 -> 0;
                        default -> random.nextLong() >> random.nextInt(64);
                    };
                    UUID c = new UUID(random.nextLong(), random.nextLong());
                    // row 7 alone is larger than a chunk
                    int keys = i == 7 ? CopyBinaryWriter.CHUNK / 8 : random.nextInt(4);
                    Map<String, Long> map = new TreeMap<>();
                    for (int k = 0; k < keys; k++) {
                        map.put(AWKWARD[random.nextInt(AWKWARD.length)] + k, random.nextLong() >> random.nextInt(64));
                    }
                    String text = DimsJson.write(map.keySet().toArray(String[]::new),
                            map.values().stream().mapToLong(Long::longValue).toArray());
                    out.row().int8(i).int2(a).int8(b).uuid(c.getMostSignificantBits(), c.getLeastSignificantBits())
                            .text(bytes -> bytes.put(text.getBytes(StandardCharsets.UTF_8)));
                    expected.add(a + "|" + b + "|" + c + "|" + text);
                }
            }));
            assertEquals(20_000, written);
            List<String> stored = db.rollups.withHandle(handle -> handle.createQuery(
                    "SELECT a, b, c, d::text FROM rollup.copy_probe ORDER BY n").map((rs, ctx) -> rs.getShort(1)
                    + "|" + rs.getLong(2) + "|" + rs.getObject(3, UUID.class) + "|"
                    + rs.getString(4)).list());
            assertEquals(expected, stored);
        }
    }

    @Test
    void decimalsAreWhatJavaPrints() {
        long[] values = {0, 1, -1, 9, 10, 99, 100, 1_234_567_890_123L, -987_654_321L, Long.MAX_VALUE, Long.MIN_VALUE};
        for (long value : values) {
            CopyBinaryWriter.Bytes bytes = new CopyBinaryWriter.Bytes(1);
            bytes.decimal(value);
            assertEquals(Long.toString(value), new String(bytes.toArray(), StandardCharsets.US_ASCII));
        }
    }

    @Test
    void noRowsSendsNothingAndAFailureHalfWayLeavesNothing() {
        try (ScratchRollups db = ScratchRollups.create(2)) {
            db.execute(TABLE);
            long none = db.rollups.withHandle(handle -> PgCopy.inBinary(handle, COPY, 5, out -> { }));
            assertEquals(0, none);
            IllegalStateException failed = assertThrows(IllegalStateException.class,
                    () -> db.rollups.inTransaction(handle -> PgCopy.inBinary(handle, COPY, 5, out -> {
                        for (int i = 0; i < 10_000; i++) { // past a chunk: the COPY is under way
                            out.row().int8(i).int2((short) 1).int8(i).uuid(0, i).text(b -> b.put((byte) '1'));
                        }
                        out.row().int8(0).int2((short) 1); // two of its five fields
                        out.row();
                    })));
            assertTrue(failed.getMessage().contains("2 of its 5 fields"), failed.getMessage());
            assertEquals(0, db.scalar("SELECT count(*) FROM rollup.copy_probe"));
            long after = db.rollups.withHandle(handle -> PgCopy.inBinary(handle, COPY, 5,
                    out -> out.row().int8(0).int2((short) 1).int8(1).uuid(1, 1).text(b -> b.put((byte) '2'))));
            assertEquals(1, after);
            assertEquals(1, db.scalar("SELECT count(*) FROM rollup.copy_probe"));
            assertThrows(IllegalStateException.class, () -> new CopyBinaryWriter(2, (data, length) -> { })
                    .row().int8(1).int8(2).int8(3));
        }
    }
}
