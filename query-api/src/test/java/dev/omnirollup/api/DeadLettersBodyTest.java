package dev.omnirollup.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code /dead-letters/stats} from the live counts, without a server. */
class DeadLettersBodyTest {
    @Test
    void envelopeOrderAndRetrying() {
        assertEquals("{\"data\":{\"total\":0,\"pending\":0,\"resolved\":0,\"abandoned\":0,\"retrying\":0,"
                + "\"byEventType\":{}}}", Json.write(DeadLettersBody.of(Reports.NO_DEAD_LETTERS)));
        assertEquals("{\"data\":{\"total\":20,\"pending\":6,\"resolved\":8,\"abandoned\":2,\"retrying\":4,"
                + "\"byEventType\":{\"message.received\":15,\"message.sent\":5}}}",
                Json.write(DeadLettersBody.of(new LiveCounts.DeadLetters(20, 6, 4, 8, 2,
                        Map.of("message.sent", 5L, "message.received", 15L)))));
    }
}
