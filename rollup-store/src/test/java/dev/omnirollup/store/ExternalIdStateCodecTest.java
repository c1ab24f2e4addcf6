package dev.omnirollup.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.omnirollup.store.ExternalIdState.Pending;
import dev.omnirollup.store.ExternalIdState.SeedRow;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The stored form of the external-id state is a format on disk: states written by one release are read by the
 * next. These bytes were written by the first version-3 encoder; every later encoder must write them again.
 */
class ExternalIdStateCodecTest {
    private static final UUID INSTANCE = UUID.fromString("11111111-1111-4111-8111-111111111111");
    private static final UUID ROW = UUID.fromString("22222222-2222-4222-8222-222222222222");

    /** Seeds, a receipt's first row, three shapes among four pending rows, null and non-ASCII texts. */
    static ExternalIdState sample() {
        RowGroup received = RowGroup.live(1_760_000_000_000L, INSTANCE, "whatsapp-baileys", "inbound",
                "message.received", "text", null, "received");
        RowGroup other = RowGroup.live(1_760_000_000_000L, null, "telegram", "inbound", "message.received",
                "bild/über\u0000😀", null, "received");
        RowGroup failed = RowGroup.live(1_760_000_000_000L, INSTANCE, "discord", "outbound", "message.failed",
                null, "SEND_FAILED", "failed");
        RowGroup first = RowGroup.live(1_759_999_000_000L, INSTANCE, "whatsapp-baileys", "outbound",
                "message.delivered", null, null, "completed");
        return new ExternalIdState(true, true, List.of(new SeedRow(ROW, 1_759_990_000L, INSTANCE, "received"),
                new SeedRow(ROW, 1_759_990_060L, null, "failed")), 9, 3, first,
                List.of(new Pending(10, received), new Pending(12, other),
                        new Pending(300, received.withEpochSecond(1_760_000_580L)), new Pending(301, failed)), true);
    }

    static final String SAMPLE_V3 =
            "030f09030000000068e773f00111111111111141118111111111111111001077686174736170702d6261696c65797300"
            + "086f7574626f756e6400116d6573736167652e64656c69766572656400000009636f6d706c6574656402012222222222"
            + "22422282222222222222220000000068e750f00111111111111141118111111111111111000872656365697665640122"
            + "2222222222422282222222222222220000000068e7512c0000066661696c656403011111111111114111811111111111"
            + "1111001077686174736170702d6261696c6579730007696e626f756e6400106d6573736167652e726563656976656401"
            + "000474657874000008726563656976656400000874656c656772616d0007696e626f756e6400106d6573736167652e72"
            + "6563656976656401001262696c642fc3bc626572c080eda0bdedb8800000087265636569766564011111111111114111"
            + "81111111111111110007646973636f726400086f7574626f756e64000e6d6573736167652e6661696c65640001000b53"
            + "454e445f4641494c454400066661696c6564040aaaddfc1b00020001a0021400011302";

    @Test
    void writesVersionThreeByteForByte() {
        assertEquals(SAMPLE_V3, HexFormat.of().formatHex(ExternalIdStateCodec.encode(sample())));
    }

    @Test
    void readsVersionThree() {
        assertEquals(sample(), ExternalIdStateCodec.decode(HexFormat.of().parseHex(SAMPLE_V3)));
    }

    @Test
    void aTruncatedOrOverlongStateIsRefusedNotMisread() {
        byte[] stored = HexFormat.of().parseHex(SAMPLE_V3);
        for (int cut : new int[] {1, 5, stored.length / 2, stored.length - 1}) {
            assertThrows(IllegalStateException.class,
                    () -> ExternalIdStateCodec.decode(Arrays.copyOf(stored, cut)), "cut at " + cut);
        }
        assertThrows(IllegalStateException.class,
                () -> ExternalIdStateCodec.decode(Arrays.copyOf(stored, stored.length + 1)));
    }

    @Test
    void aShapeSetAsideReadsBackAtItsMinute() {
        RowGroup row = sample().pending().get(1).row();
        assertEquals(row, ExternalIdStateCodec.decodeShape(ExternalIdStateCodec.encodeShape(row), row.epochSecond()));
    }
}
