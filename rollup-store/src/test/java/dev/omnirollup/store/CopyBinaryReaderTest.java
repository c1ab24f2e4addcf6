package dev.omnirollup.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The reader on what PostgreSQL sends for a binary {@code COPY} of a query — the header with the first row, a
 * message per row, the trailer alone, or header and trailer together when there is no row — and on message
 * sequences a server does not send, which must not pass as a complete COPY.
 */
class CopyBinaryReaderTest {
    private static ScratchRollups scratch;

    @BeforeAll
    static void database() {
        scratch = ScratchRollups.create(2);
    }

    @AfterAll
    static void drop() {
        scratch.close();
    }

    @Test
    void readsEveryRowAndTheTrailerOfACopy() {
        List<byte[]> messages = copy("COPY (SELECT n::int4, 'row ' || n FROM generate_series(1, 3) AS n)"
                + " TO STDOUT (FORMAT binary)");
        assertEquals(4, messages.size(), "a message per row and the trailer alone");
        assertArrayEquals(new byte[] {-1, -1}, messages.get(3));

        CopyBinaryReader reader = new CopyBinaryReader(2);
        CopyBinaryReader.Texts texts = new CopyBinaryReader.Texts();
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            assertFalse(reader.ended(), "ended before its last message");
            if (i == 0) {
                reader.first(messages.get(i));
            } else {
                reader.message(messages.get(i));
            }
            while (reader.nextRow()) {
                rows.add(reader.int4() + ":" + texts.string(reader.text(texts)));
            }
        }
        assertEquals(List.of("1:row 1", "2:row 2", "3:row 3"), rows);
        assertTrue(reader.ended());
    }

    @Test
    void aCopyWithoutRowsEndsInItsFirstMessage() {
        List<byte[]> messages = copy("COPY (SELECT 1::int4 WHERE false) TO STDOUT (FORMAT binary)");
        assertEquals(1, messages.size(), "the header and the trailer in one message");
        CopyBinaryReader reader = new CopyBinaryReader(1);
        reader.first(messages.get(0));
        assertFalse(reader.nextRow());
        assertTrue(reader.ended());
    }

    @Test
    void aShortMessageThatIsNotTheTrailerOrARowAfterTheTrailerIsNoEnd() {
        List<byte[]> messages = copy("COPY (SELECT 7::int4) TO STDOUT (FORMAT binary)");
        byte[] trailer = messages.get(1);

        CopyBinaryReader notTheTrailer = pastItsRow(messages.get(0));
        notTheTrailer.message(new byte[] {0, 1});
        assertFalse(notTheTrailer.nextRow());
        assertFalse(notTheTrailer.ended(), "two bytes other than -1 are no trailer");

        CopyBinaryReader twoTrailers = pastItsRow(messages.get(0));
        twoTrailers.message(trailer);
        twoTrailers.message(trailer);
        assertFalse(twoTrailers.ended(), "a COPY has one trailer");

        CopyBinaryReader rowAfterTheTrailer = pastItsRow(messages.get(0));
        rowAfterTheTrailer.message(trailer);
        assertTrue(rowAfterTheTrailer.ended());
        rowAfterTheTrailer.message(new byte[] {0, 1, 0, 0, 0, 4, 0, 0, 0, 8});
        assertFalse(rowAfterTheTrailer.ended(), "the trailer must be the last message");
    }

    /** A reader of one int4 column that has read the first message and its row. */
    private static CopyBinaryReader pastItsRow(byte[] first) {
        CopyBinaryReader reader = new CopyBinaryReader(1);
        reader.first(first);
        assertTrue(reader.nextRow());
        assertEquals(7, reader.int4());
        assertFalse(reader.nextRow());
        return reader;
    }

    @Test
    void aMessageBeforeTheFirstIsRefused() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new CopyBinaryReader(1).message(new byte[] {-1, -1}));
        assertEquals("a COPY message before the first", e.getMessage());
    }

    private static List<byte[]> copy(String sql) {
        List<byte[]> messages = new ArrayList<>();
        scratch.rollups.withHandle(handle -> {
            PgCopy.out(handle, sql, messages::add);
            return null;
        });
        return messages;
    }
}
