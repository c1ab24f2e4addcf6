package dev.omnirollup.store;

import dev.omnirollup.sim.OmniEvent;
import dev.omnirollup.sim.TrafficGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Realistic inputs for the JMH benchmarks: omni-sim traffic as the ingest receives it, and decoded. */
final class BenchTraffic {
    static final Instant END = Instant.parse("2026-03-01T12:00:00Z");

    private BenchTraffic() {
    }

    /** {@code n} messages of the given mix over the hour before {@link #END}, as JetStream delivers them. */
    static List<InboundMessage> inbound(int n, TrafficGenerator.Mix mix, long seed) {
        List<OmniEvent> events = TrafficGenerator.generate(new TrafficGenerator.Config(seed,
                END.minus(Duration.ofHours(1)), END, n, TrafficGenerator.defaultInstances(50, seed), mix));
        List<InboundMessage> messages = new ArrayList<>(events.size());
        long seq = 1;
        for (OmniEvent event : events) {
            messages.add(new InboundMessage(event.subject(), event.toJson(), seq++));
        }
        return messages;
    }

    /** The message events among {@code n} messages-only events, decoded. */
    static List<Decoded.MessageEvent> messageEvents(int n, long seed) {
        EventDecoder decoder = new EventDecoder(1 << 20);
        List<Decoded.MessageEvent> events = new ArrayList<>();
        for (InboundMessage message : inbound(n, TrafficGenerator.Mix.messagesOnly(), seed)) {
            if (decoder.decode(message) instanceof Decoded.MessageEvent event) {
                events.add(event);
            }
        }
        return events;
    }
}
