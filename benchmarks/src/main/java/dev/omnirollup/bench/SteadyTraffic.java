package dev.omnirollup.bench;

import dev.omnirollup.sim.OmniEvent;
import dev.omnirollup.sim.ScratchNats;
import dev.omnirollup.sim.TrafficGenerator;
import io.nats.client.JetStream;
import io.nats.client.api.PublishAck;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Live messages-only Omni traffic (omni-sim's {@link TrafficGenerator#live}, re-stamped with the current time)
 * published to a scratch stream pair at a steady rate on its own thread until {@link #stop()}: the background load of
 * a benchmark that measures something else. At most 2 000 publishes are in flight.
 */
final class SteadyTraffic {
    private final Thread thread;
    private volatile boolean stopping;
    private volatile Throwable failure;
    private volatile double achievedRate;

    private SteadyTraffic(ScratchNats nats, long rate) {
        this.thread = Thread.ofPlatform().name("steady-traffic").start(() -> publish(nats, rate));
    }

    /** Starts publishing {@code rate} events per second ({@code > 0}). */
    static SteadyTraffic start(ScratchNats nats, long rate) {
        if (rate <= 0) {
            throw new IllegalArgumentException("rate must be > 0, got " + rate);
        }
        return new SteadyTraffic(nats, rate);
    }

    /** Stops publishing, waits for every publish to be acknowledged and returns the events/s achieved. */
    double stop() throws InterruptedException {
        stopping = true;
        thread.join();
        if (failure != null) {
            throw new IllegalStateException("publishing the steady traffic failed", failure);
        }
        return achievedRate;
    }

    private void publish(ScratchNats nats, long rate) {
        try {
            JetStream js = nats.jetStream();
            // an episode is 1.6 events on average (a message and its receipts)
            Iterator<OmniEvent> live = TrafficGenerator.live(11, Traffic.INSTANCES, Instant.now(), rate / 1.6,
                    TrafficGenerator.Mix.messagesOnly());
            ArrayDeque<CompletableFuture<PublishAck>> inFlight = new ArrayDeque<>();
            long start = System.nanoTime();
            long sent = 0;
            while (!stopping) {
                long due = (long) ((System.nanoTime() - start) / 1e9 * rate);
                while (sent < due) {
                    OmniEvent event = live.next().withTimestamp(System.currentTimeMillis());
                    inFlight.add(js.publishAsync(nats.prefix() + event.subject(), event.toJson()));
                    sent++;
                }
                while (inFlight.size() > 2_000 || (!inFlight.isEmpty() && inFlight.peek().isDone())) {
                    inFlight.poll().get(30, TimeUnit.SECONDS);
                }
                Thread.sleep(2);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            for (CompletableFuture<PublishAck> f : inFlight) {
                f.get(30, TimeUnit.SECONDS);
            }
            achievedRate = sent / seconds;
        } catch (Throwable e) {
            failure = e;
        }
    }
}
