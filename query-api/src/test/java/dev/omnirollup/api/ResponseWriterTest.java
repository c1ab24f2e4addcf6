package dev.omnirollup.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ResponseWriterTest {
    @Test
    void serverTimingIsWhatTheFormatPatternPrints() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 20_000; i++) {
            long nanos = i < 2_000 ? i * 997L : random.nextLong(0, 120_000_000_000L);
            if (nanos % 1_000 == 500) {
                continue; // an exact half: the double nanos / 1e6 may fall either side of it
            }
            String expected = String.format(Locale.ROOT, "total;dur=%.3f", nanos / 1e6);
            assertEquals(expected, ResponseWriter.serverTiming(nanos), nanos + " ns");
        }
        assertEquals("total;dur=0.000", ResponseWriter.serverTiming(0));
        assertEquals("total;dur=0.001", ResponseWriter.serverTiming(500));
        assertEquals("total;dur=1.050", ResponseWriter.serverTiming(1_049_600));
        assertEquals("total;dur=12.345", ResponseWriter.serverTiming(12_345_000));
    }
}
