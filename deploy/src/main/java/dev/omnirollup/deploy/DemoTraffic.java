package dev.omnirollup.deploy;

import dev.omnirollup.sim.Instance;
import dev.omnirollup.sim.OmniEvent;
import dev.omnirollup.sim.PoisonGenerator;
import dev.omnirollup.sim.Publisher;
import dev.omnirollup.sim.ReferencePersistence;
import dev.omnirollup.sim.TrafficGenerator;
import dev.omnirollup.store.RootCause;
import io.nats.client.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jdbi.v3.core.Handle;

/**
 * Plays Omni for the demo: publishes realistic traffic on NATS as it happens (each event when the clock reaches its
 * timestamp) and writes the rows upstream's persistence would write, plus a few poison messages at the start and
 * one every {@link #POISON_EVERY}. Runs on its own thread until {@link #close()}.
 */
final class DemoTraffic implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(DemoTraffic.class.getName());
    static final Duration POISON_EVERY = Duration.ofMinutes(2);
    private static final int MAX_BATCH = 2_000;

    private final DemoOmni omni;
    private final Publisher publisher;
    private final InstantSource clock;
    private final Iterator<OmniEvent> events;
    private final long seed;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong poisoned = new AtomicLong();
    private final Thread thread;

    DemoTraffic(DemoOmni omni, Connection nats, String subjectPrefix, InstantSource clock, long seed,
                List<Instance> instances, Instant start, double eventsPerSecond) {
        this.omni = omni;
        this.publisher = new Publisher(nats, subjectPrefix, 1_000);
        this.clock = clock;
        this.seed = seed;
        this.events = TrafficGenerator.live(seed, instances, start,
                eventsPerSecond / eventsPerEpisode(seed, instances), TrafficGenerator.Mix.defaults());
        this.thread = new Thread(this::run, "demo-traffic");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    long published() {
        return published.get();
    }

    /** The poison kinds the demo publishes: every one that fits under NATS' default 1 MiB max_payload. */
    static List<PoisonGenerator.Poison> poison(long seed, int count) {
        List<PoisonGenerator.Poison> out = new ArrayList<>();
        for (PoisonGenerator.Poison p : PoisonGenerator.generate(seed, count + count / 10 + 2, 4096)) {
            if (!p.kind().equals("huge-string") && out.size() < count) {
                out.add(p);
            }
        }
        return out;
    }

    private void run() {
        try (Handle handle = omni.open()) {
            ReferencePersistence persistence = new ReferencePersistence(handle, clock);
            publishPoison(PoisonGenerator.KINDS.size() - 1);
            long nextPoison = clock.millis() + POISON_EVERY.toMillis();
            OmniEvent next = events.next();
            List<OmniEvent> due = new ArrayList<>();
            while (stop.getCount() > 0) {
                long now = clock.millis();
                while (next.timestamp() <= now && due.size() < MAX_BATCH) {
                    due.add(next);
                    next = events.next();
                }
                if (!due.isEmpty()) {
                    try {
                        persistence.apply(due);
                        publisher.publish(due);
                        published.addAndGet(due.size());
                        due.clear();
                    } catch (RuntimeException e) {
                        LOG.log(Level.WARNING, "demo traffic: publishing " + due.size() + " events failed, retrying: "
                                + RootCause.message(e));
                        due.clear();
                        stop.await(2, TimeUnit.SECONDS);
                        continue;
                    }
                }
                if (now >= nextPoison) {
                    nextPoison = now + POISON_EVERY.toMillis();
                    publishPoison(1);
                }
                long wait = Math.max(20, Math.min(250, next.timestamp() - clock.millis()));
                stop.await(wait, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "demo traffic stopped: " + RootCause.message(e), e);
        }
    }

    private void publishPoison(int count) {
        try {
            List<PoisonGenerator.Poison> poison = poison(seed + poisoned.get(), count);
            publisher.publishRaw(poison);
            poisoned.addAndGet(poison.size());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "demo traffic: publishing poison failed: " + RootCause.message(e));
        }
    }

    /** The mean number of events per episode of the default mix (sends come with receipts), measured. */
    static double eventsPerEpisode(long seed, List<Instance> instances) {
        double episodesPerSecond = 100;
        Instant start = Instant.ofEpochSecond(1_700_000_000L);
        Iterator<OmniEvent> sample = TrafficGenerator.live(seed ^ 0xCA11L, instances, start, episodesPerSecond,
                TrafficGenerator.Mix.defaults());
        int n = 5_000;
        long last = start.toEpochMilli();
        for (int i = 0; i < n; i++) {
            last = sample.next().timestamp();
        }
        double seconds = Math.max(1, last - start.toEpochMilli()) / 1000.0;
        return Math.max(1.0, n / (seconds * episodesPerSecond));
    }

    @Override
    public void close() {
        stop.countDown();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.info(() -> "demo traffic stopped after " + published.get() + " events and " + poisoned.get()
                + " poison messages");
    }
}
