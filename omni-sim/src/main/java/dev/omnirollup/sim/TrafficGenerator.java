package dev.omnirollup.sim;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * Realistic Omni traffic, deterministic from a seed: inbound and outbound messages of every content type, WhatsApp
 * receipts in every order upstream can see them, failures with and without error codes, foreign and replayed
 * publishes, automation executions and queue snapshots, instance connects and disconnects. About 1.5 % of the message
 * events of randomly drawn episodes come in an odd shape that Omni stores all the same (numeric external ids, a
 * content that is no object, fractional or ISO-8601 timestamps, empty error codes, receipts without an external id;
 * see {@code TrafficEpisodes.odd} and docs/input-rules.md).
 *
 * <p>{@link #generate} returns a finite list in publish order (sorted by envelope timestamp) over a span;
 * {@link #live} an endless iterator for the demo. Each call is independent and the class is stateless, so it is
 * thread-safe. Coverage: when {@link Config#count()} is at least {@value #COVERAGE_MIN}, every {@link TrafficCase}
 * whose episode kind has a positive weight in the {@link Mix} appears at least once (with {@link Mix#defaults()}:
 * every case; see {@link TrafficCensus}); beyond that, cases appear with the probabilities of the mix.
 */
public final class TrafficGenerator {

    /** Below this many events a generated list is not guaranteed to contain every {@link TrafficCase}. */
    public static final int COVERAGE_MIN = 400;

    private TrafficGenerator() {
    }

    /**
     * Probabilities that shape the traffic. The first ten are relative weights of episode kinds (normalized); the
     * rest are probabilities in [0, 1].
     *
     * @param inbound             a {@code message.received}
     * @param outbound            a {@code message.sent} (with receipts on WhatsApp)
     * @param failed              a {@code message.failed}
     * @param unmatchedReceipt    a receipt for an external id never seen
     * @param automation          an {@code automation.executed}
     * @param queue               an {@code automation.queue} snapshot
     * @param instance            an {@code instance.connected|disconnected}
     * @param bare                a message event on a bare subject (no instanceId, or a process-level publisher)
     * @param replay              a replayed message event
     * @param foreign             a hierarchical message event with channelType missing or unknown
     * @param delivered           a WhatsApp send gets a delivered receipt
     * @param read                a delivered WhatsApp send also gets a read receipt
     * @param receiptBeforeSend   a receipt is published before its send
     * @param repeatedReceipt     a receipt is published twice
     * @param sharedExternalId    a send is published twice with the same external id (two rows)
     * @param inboundDelivered    a WhatsApp inbound message gets a delivered receipt on its own external id
     * @param failedExternalId    a failure carries an external id
     * @param executionTimeAbsent an execution has no executionTimeMs
     * @param lastHourShare       share of episodes placed in the last hour of the span
     * @param lastDayShare        share of episodes placed in the last 24 hours of the span
     */
    public record Mix(double inbound, double outbound, double failed, double unmatchedReceipt, double automation,
            double queue, double instance, double bare, double replay, double foreign, double delivered, double read,
            double receiptBeforeSend, double repeatedReceipt, double sharedExternalId, double inboundDelivered,
            double failedExternalId, double executionTimeAbsent, double lastHourShare, double lastDayShare) {

        public Mix {
            double[] weights = {inbound, outbound, failed, unmatchedReceipt, automation, queue, instance, bare, replay,
                foreign};
            double sum = 0;
            for (double w : weights) {
                if (!(w >= 0) || Double.isInfinite(w)) {
                    throw new IllegalArgumentException("episode weights must be finite and >= 0, got " + w);
                }
                sum += w;
            }
            if (sum <= 0) {
                throw new IllegalArgumentException("at least one episode weight must be > 0");
            }
            requireProbability(delivered, "delivered");
            requireProbability(read, "read");
            requireProbability(receiptBeforeSend, "receiptBeforeSend");
            requireProbability(repeatedReceipt, "repeatedReceipt");
            requireProbability(sharedExternalId, "sharedExternalId");
            requireProbability(inboundDelivered, "inboundDelivered");
            requireProbability(failedExternalId, "failedExternalId");
            requireProbability(executionTimeAbsent, "executionTimeAbsent");
            requireProbability(lastHourShare, "lastHourShare");
            requireProbability(lastDayShare, "lastDayShare");
            if (lastHourShare + lastDayShare > 1) {
                throw new IllegalArgumentException("lastHourShare + lastDayShare must be <= 1, got "
                        + (lastHourShare + lastDayShare));
            }
        }

        /** A busy installation: mostly messages, a few percent of every edge case. */
        public static Mix defaults() {
            return new Mix(0.46, 0.30, 0.04, 0.02, 0.07, 0.03, 0.01, 0.02, 0.02, 0.01,
                    0.75, 0.45, 0.05, 0.04, 0.02, 0.04, 0.2, 0.15, 0.10, 0.20);
        }

        /** Only well-formed, persisted message traffic (no bare, replayed, foreign, automation or instance events). */
        public static Mix messagesOnly() {
            return new Mix(0.55, 0.37, 0.05, 0.03, 0, 0, 0, 0, 0, 0,
                    0.75, 0.45, 0.05, 0.04, 0.02, 0.04, 0.2, 0.15, 0.10, 0.20);
        }

        double[] weights() {
            return new double[] {inbound, outbound, failed, unmatchedReceipt, automation, queue, instance, bare,
                replay, foreign};
        }

        private static void requireProbability(double p, String name) {
            if (!(p >= 0 && p <= 1)) {
                throw new IllegalArgumentException(name + " must be a probability in [0, 1], got " + p);
            }
        }
    }

    /**
     * What to generate.
     *
     * @param seed      random seed: equal configs give equal traffic
     * @param start     first instant of the span (inclusive)
     * @param end       end of the span (exclusive); every timestamp is in [start, end)
     * @param count     exact number of events
     * @param instances the instances that publish (at least one)
     * @param mix       probabilities
     */
    public record Config(long seed, Instant start, Instant end, int count, List<Instance> instances, Mix mix) {

        public Config {
            Objects.requireNonNull(start, "start");
            Objects.requireNonNull(end, "end");
            Objects.requireNonNull(mix, "mix");
            if (!end.isAfter(start)) {
                throw new IllegalArgumentException("end must be after start, got start=" + start + " end=" + end);
            }
            if (start.toEpochMilli() < 0) {
                throw new IllegalArgumentException("start must not be before 1970, got " + start);
            }
            if (count < 0) {
                throw new IllegalArgumentException("count must be >= 0, got " + count);
            }
            instances = List.copyOf(instances);
            if (instances.isEmpty()) {
                throw new IllegalArgumentException("instances must not be empty");
            }
        }

        /** {@code count} events with the default mix on {@code instances}, over {@code [end - span, end)}. */
        public static Config of(long seed, Instant end, Duration span, int count, List<Instance> instances) {
            return new Config(seed, end.minus(span), end, count, instances, Mix.defaults());
        }
    }

    /**
     * {@code n} instances (n >= 1) with names {@code sim-<channel>-<k>}, deterministic from the seed: mostly
     * whatsapp-baileys, discord and telegram in turn, plus one slack and one whatsapp-cloud when n >= 5.
     */
    public static List<Instance> defaultInstances(int n, long seed) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be >= 1, got " + n);
        }
        SplittableRandom random = new SplittableRandom(seed ^ 0x5EEDL);
        List<String> channels = new ArrayList<>();
        List<String> rotation = List.of("whatsapp-baileys", "discord", "telegram");
        int rotated = n >= 5 ? n - 2 : n;
        for (int i = 0; i < rotated; i++) {
            channels.add(rotation.get(i % rotation.size()));
        }
        if (n >= 5) {
            channels.add("slack");
            channels.add("whatsapp-cloud");
        }
        List<Instance> instances = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String channel = channels.get(i);
            instances.add(new Instance(TrafficEpisodes.uuid(random), "sim-" + channel + "-" + (i + 1), channel));
        }
        return List.copyOf(instances);
    }

    /** Exactly {@code config.count()} events in publish order (ascending envelope timestamp, ties in causal order). */
    public static List<OmniEvent> generate(Config config) {
        long start = config.start().toEpochMilli();
        long end = config.end().toEpochMilli();
        SplittableRandom random = new SplittableRandom(config.seed());
        TrafficEpisodes episodes = new TrafficEpisodes(random, config.instances(), config.mix());
        List<TrafficEpisodes.Draft> drafts = new ArrayList<>(config.count() + 8);
        if (config.count() >= COVERAGE_MIN) {
            for (TrafficCase forced : TrafficCase.values()) {
                if (!episodes.allows(forced)) {
                    continue;
                }
                long anchor = forced == TrafficCase.LAST_HOUR
                        ? between(random, Math.max(start, end - 3_600_000L), end)
                        : anchor(random, start, end, config.mix());
                episodes.emit(forced, anchor, drafts);
            }
        }
        while (drafts.size() < config.count()) {
            episodes.emitRandom(anchor(random, start, end, config.mix()), drafts);
        }
        while (drafts.size() > config.count()) {
            drafts.remove(drafts.size() - 1);
        }
        List<TrafficEpisodes.Draft> clamped = new ArrayList<>(drafts.size());
        for (TrafficEpisodes.Draft draft : drafts) {
            long ts = Math.max(start, Math.min(end - 1, draft.timestamp()));
            clamped.add(ts == draft.timestamp() ? draft : draft.at(ts));
        }
        clamped.sort(Comparator.comparingLong(TrafficEpisodes.Draft::timestamp)
                .thenComparingLong(TrafficEpisodes.Draft::sequence));
        List<OmniEvent> events = new ArrayList<>(clamped.size());
        for (TrafficEpisodes.Draft draft : clamped) {
            events.add(draft.event());
        }
        return List.copyOf(events);
    }

    /**
     * An endless stream of events whose episodes start as a Poisson process of {@code episodesPerSecond} from
     * {@code start}, in ascending timestamp order. The caller paces publishing (e.g. waits until each timestamp).
     * Not thread-safe.
     */
    public static Iterator<OmniEvent> live(long seed, List<Instance> instances, Instant start,
            double episodesPerSecond, Mix mix) {
        if (!(episodesPerSecond > 0) || Double.isInfinite(episodesPerSecond)) {
            throw new IllegalArgumentException("episodesPerSecond must be > 0, got " + episodesPerSecond);
        }
        List<Instance> copy = List.copyOf(instances);
        if (copy.isEmpty()) {
            throw new IllegalArgumentException("instances must not be empty");
        }
        SplittableRandom random = new SplittableRandom(seed);
        TrafficEpisodes episodes = new TrafficEpisodes(random, copy, Objects.requireNonNull(mix, "mix"));
        double meanGapMs = 1000.0 / episodesPerSecond;
        return new Iterator<>() {
            private final PriorityQueue<TrafficEpisodes.Draft> pending = new PriorityQueue<>(
                    Comparator.comparingLong(TrafficEpisodes.Draft::timestamp)
                            .thenComparingLong(TrafficEpisodes.Draft::sequence));
            private final List<TrafficEpisodes.Draft> buffer = new ArrayList<>();
            private double clock = start.toEpochMilli();

            @Override
            public boolean hasNext() {
                return true;
            }

            @Override
            public OmniEvent next() {
                while (pending.isEmpty() || pending.peek().timestamp() > (long) clock - TrafficEpisodes.MAX_EARLY_MS) {
                    clock += -Math.log(1 - random.nextDouble()) * meanGapMs;
                    buffer.clear();
                    episodes.emitRandom((long) clock, buffer);
                    pending.addAll(buffer);
                }
                TrafficEpisodes.Draft draft = pending.poll();
                if (draft == null) {
                    throw new NoSuchElementException();
                }
                return draft.event();
            }
        };
    }

    /** An episode start: recent-biased per {@link Mix#lastHourShare()} and {@link Mix#lastDayShare()}. */
    private static long anchor(SplittableRandom random, long start, long end, Mix mix) {
        double u = random.nextDouble();
        if (u < mix.lastHourShare()) {
            return between(random, Math.max(start, end - 3_600_000L), end);
        }
        if (u < mix.lastHourShare() + mix.lastDayShare()) {
            return between(random, Math.max(start, end - 86_400_000L), end);
        }
        return between(random, start, end);
    }

    private static long between(SplittableRandom random, long from, long to) {
        return to <= from ? from : random.nextLong(from, to);
    }

    /** A random UUID from {@code random}, for callers that need ids consistent with a seed. */
    public static UUID uuid(SplittableRandom random) {
        return TrafficEpisodes.uuid(random);
    }
}
