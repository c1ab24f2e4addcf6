package dev.omnirollup.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.omnirollup.sim.Instance;
import dev.omnirollup.sim.OmniEvent;
import dev.omnirollup.sim.ReferencePersistence;
import dev.omnirollup.sim.ScratchDatabase;
import dev.omnirollup.sim.ScratchNats;
import dev.omnirollup.sim.TrafficGenerator;
import io.nats.client.JetStream;
import io.nats.client.api.PublishAck;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Freshness (issue 7 item 4): live Omni traffic is published at a steady rate (default 2 000 events/s) while one
 * ingest worker and the query API run as separate JVMs; every 100 ms a marker event (a {@code message.received} of
 * an instance no other traffic uses) is published, and a poller asks the API
 * ({@code /events/analytics?instanceId=<marker>&allTime=true}) every 5 ms: marker k is visible once
 * {@code totalMessages >= k}. Latency = publish call to first poll that sees it. Markers of the first seconds
 * (JIT warm-up) are left out.
 *
 * <p>Run: {@code benchmarks/run freshness [--rate 2000] [--duration 60s] [--smoke]}.
 */
final class FreshnessBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MARKER_EVERY_MS = 100;

    private FreshnessBench() {
    }

    static void run(Args args, Report report) throws Exception {
        boolean smoke = args.smoke();
        Duration duration = args.duration("duration", smoke ? "5s" : "60s");
        long rate = args.count("rate", "2000");
        Duration warmup = Duration.ofMillis(Math.min(5_000, duration.toMillis() / 5));
        Table table = new Table("freshness", "Freshness: event published -> visible in the API, at a steady rate",
                "target rate/s", "achieved rate/s", "seconds", "markers", "visible", "p50 ms", "p90 ms", "p99 ms",
                "max ms");
        Table memory = ChildJvm.memoryTable("freshness-memory", "Ingest and API memory during the freshness run");
        try (ScratchNats nats = ScratchNats.connect(BenchServers.natsUrl());
             ScratchDatabase db = ScratchDatabase.create(BenchServers.postgresServer()).withOmniSchema()) {
            nats.messageStream();
            nats.automationStream();
            String consumer = "BENCH_FRESH";
            // the markers' instance exists in Omni's table: the API counts no instance that does not
            UUID markerInstance = UUID.randomUUID();
            db.jdbi().useHandle(h -> new ReferencePersistence(h).ensureInstances(
                    List.of(new Instance(markerInstance, "freshness-marker", "whatsapp-baileys"))));
            var settings = IngestProcesses.settings(db, nats, consumer, Instant.now().minus(Duration.ofMinutes(1)));
            List<ChildJvm> workers = IngestProcesses.launch(1, "ingest-fresh", settings, report.logs(),
                    args.flag("jfr"));
            try {
                IngestProcesses.awaitReady(workers, Duration.ofSeconds(60));
                ApiProcess.Running api = ApiProcess.start("api-fresh", db, nats, consumer, report.logs(),
                        args.flag("jfr"));
                try {
                    Result result = measure(nats, api, markerInstance, rate, duration, warmup);
                    table.add(rate, result.achievedRate(), duration.toSeconds(), result.markers(), result.visible(),
                            result.latency().p50(), result.latency().ms(90), result.latency().p99(),
                            result.latency().maxMs());
                    table.note(String.format(Locale.ROOT, "target p99 <= 1000 ms: %s (%.1f ms)",
                            result.latency().p99() <= 1000 && result.visible() == result.markers() ? "MET" : "MISSED",
                            result.latency().p99()));
                    table.note("markers every " + MARKER_EVERY_MS + " ms; the first " + warmup.toMillis()
                            + " ms are warm-up and not counted; poll every 5 ms through the API (resolution ~5 ms)");
                    IngestProcesses.stop(workers);
                    api.close();
                    ChildJvm.addMemoryRows(memory, Args.label(rate) + " events/s",
                            List.of(workers.get(0), api.child()));
                } finally {
                    api.close();
                }
            } finally {
                IngestProcesses.stop(workers);
            }
        }
        table.publish(report);
        memory.publish(report);
    }

    record Result(double achievedRate, int markers, int visible, Latency latency) {
    }

    private static Result measure(ScratchNats nats, ApiProcess.Running api, UUID markerInstance, long rate,
                                  Duration duration, Duration warmup) throws Exception {
        int maxMarkers = (int) (duration.toMillis() / MARKER_EVERY_MS) + 10;
        AtomicLongArray publishedAt = new AtomicLongArray(maxMarkers + 1);
        AtomicLongArray visibleAt = new AtomicLongArray(maxMarkers + 1);
        AtomicLong markersSent = new AtomicLong();
        AtomicLong eventsSent = new AtomicLong();
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        Thread poller = Thread.ofPlatform().name("freshness-poller").start(() -> {
            try (HttpProbe probe = api.probe()) {
                long seen = 0;
                long grace = end + Duration.ofSeconds(10).toNanos();
                while (System.nanoTime() < grace && (System.nanoTime() < end || seen < markersSent.get())) {
                    HttpProbe.Reply reply = probe.get("/api/v2/events/analytics?allTime=true&instanceId="
                            + markerInstance);
                    long now = System.nanoTime();
                    if (reply.status() == 200) {
                        long count = JSON.readTree(reply.body()).path("totalMessages").asLong();
                        for (long k = seen + 1; k <= Math.min(count, maxMarkers); k++) {
                            visibleAt.set((int) k, now);
                        }
                        seen = Math.max(seen, count);
                    }
                    Thread.sleep(5);
                }
            } catch (Exception e) {
                throw new IllegalStateException("freshness poller failed", e);
            }
        });
        JetStream js = nats.jetStream();
        Iterator<OmniEvent> live = TrafficGenerator.live(11, Traffic.INSTANCES, Instant.now(), rate / 1.6,
                TrafficGenerator.Mix.messagesOnly());
        ArrayDeque<CompletableFuture<PublishAck>> inFlight = new ArrayDeque<>();
        long nextMarker = start;
        while (System.nanoTime() < end) {
            long now = System.nanoTime();
            if (now >= nextMarker) {
                long k = markersSent.get() + 1;
                OmniEvent marker = OmniEvent.messageReceived(UUID.randomUUID().toString(), System.currentTimeMillis(),
                        OmniEvent.Meta.plugin("bench-" + k, markerInstance, "whatsapp-baileys", "trace-" + k),
                        "bench-marker-" + markerInstance + "-" + k, "chat-marker", "marker",
                        OmniEvent.content("text", Optional.of("marker " + k), Optional.empty(), Optional.empty()));
                publishedAt.set((int) k, System.nanoTime());
                inFlight.add(js.publishAsync(nats.prefix() + marker.subject(), marker.toJson()));
                markersSent.set(k);
                nextMarker += MARKER_EVERY_MS * 1_000_000;
            }
            long due = (long) ((System.nanoTime() - start) / 1e9 * rate);
            while (eventsSent.get() < due) {
                OmniEvent event = live.next().withTimestamp(System.currentTimeMillis());
                inFlight.add(js.publishAsync(nats.prefix() + event.subject(), event.toJson()));
                eventsSent.incrementAndGet();
            }
            while (inFlight.size() > 2_000 || (!inFlight.isEmpty() && inFlight.peek().isDone())) {
                inFlight.poll().get(30, TimeUnit.SECONDS);
            }
            Thread.sleep(2);
        }
        for (CompletableFuture<PublishAck> f : inFlight) {
            f.get(30, TimeUnit.SECONDS);
        }
        double achieved = eventsSent.get() / ((System.nanoTime() - start) / 1e9);
        poller.join();
        Latency latency = new Latency();
        int markers = 0;
        int visible = 0;
        for (int k = 1; k <= markersSent.get() && k <= maxMarkers; k++) {
            if (publishedAt.get(k) - start < warmup.toNanos()) {
                continue;
            }
            markers++;
            if (visibleAt.get(k) != 0) {
                visible++;
                latency.recordNanos(visibleAt.get(k) - publishedAt.get(k));
            }
        }
        return new Result(achieved, markers, visible, latency);
    }
}
