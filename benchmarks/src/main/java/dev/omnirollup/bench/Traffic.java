package dev.omnirollup.bench;

import dev.omnirollup.sim.Instance;
import dev.omnirollup.sim.OmniEvent;
import dev.omnirollup.sim.Publisher;
import dev.omnirollup.sim.ScratchNats;
import dev.omnirollup.sim.TrafficGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * Pre-published Omni traffic for the ingest benchmarks: {@code n} events of omni-sim's {@link TrafficGenerator} (in
 * chunks, so memory stays small) on a scratch stream pair ({@code MESSAGE_<suffix>}, {@code AUTOMATION_<suffix>}
 * under a random subject prefix). Instance events are left out: no stream of the pair takes them and the ingest never
 * reads them.
 */
final class Traffic {
    static final int CHUNK = 50_000;
    static final List<Instance> INSTANCES = TrafficGenerator.defaultInstances(50, 7);

    private Traffic() {
    }

    /** The mix by name: {@code messages} (only persisted message traffic) or {@code default} (every case). */
    static TrafficGenerator.Mix mix(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "messages", "messages-only" -> TrafficGenerator.Mix.messagesOnly();
            case "default" -> TrafficGenerator.Mix.defaults();
            default -> throw new IllegalArgumentException("mix must be messages or default, got " + name);
        };
    }

    /** What was published: per-stream message counts and the time it took. */
    record Published(long messages, long automation, double seconds, Instant first) {
        long total() {
            return messages + automation;
        }
    }

    /**
     * Publishes about {@code events} events spread over the {@code span} before now, oldest first; returns the exact
     * counts the two streams hold.
     */
    static Published publish(ScratchNats nats, long events, String mixName, Duration span) {
        return publish(nats, events, mixName, span, INSTANCES);
    }

    /**
     * The first {@code count} of omni-sim's default instances (the first 50 are {@link #INSTANCES}) on the given
     * channels (all when empty).
     */
    static List<Instance> instancesOn(int count, List<String> channels) {
        List<Instance> all = count == INSTANCES.size() ? INSTANCES : TrafficGenerator.defaultInstances(count, 7);
        if (channels.isEmpty()) {
            return all;
        }
        List<Instance> chosen = all.stream().filter(i -> channels.contains(i.channel())).toList();
        if (chosen.isEmpty()) {
            throw new IllegalArgumentException("no instance on channels " + channels + "; channels are "
                    + all.stream().map(Instance::channel).distinct().toList());
        }
        return chosen;
    }

    /** As {@link #publish(ScratchNats, long, String, Duration)}, from the given instances only. */
    static Published publish(ScratchNats nats, long events, String mixName, Duration span, List<Instance> instances) {
        String messageStream = nats.messageStream();
        String automationStream = nats.automationStream();
        Publisher publisher = new Publisher(nats.connection(), nats.prefix(), 10_000);
        TrafficGenerator.Mix mix = mix(mixName);
        Instant end = Instant.now();
        Instant start = end.minus(span);
        long chunks = Math.max(1, (events + CHUNK - 1) / CHUNK);
        long sliceMs = span.toMillis() / chunks;
        long started = System.nanoTime();
        long done = 0;
        for (long i = 0; i < chunks; i++) {
            int count = (int) Math.min(CHUNK, events - done);
            Instant from = start.plusMillis(i * sliceMs);
            List<OmniEvent> batch = TrafficGenerator.generate(new TrafficGenerator.Config(1000 + i, from,
                    from.plusMillis(sliceMs), count, instances, mix)).stream()
                    .filter(e -> e.subject().startsWith("message.") || e.subject().startsWith("automation."))
                    .toList();
            publisher.publish(batch);
            done += count;
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        return new Published(nats.messageCount(messageStream), nats.messageCount(automationStream), seconds, start);
    }
}
