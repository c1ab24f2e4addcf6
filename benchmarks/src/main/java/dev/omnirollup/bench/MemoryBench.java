package dev.omnirollup.bench;

import dev.omnirollup.sim.ScratchDatabase;
import dev.omnirollup.sim.ScratchNats;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Memory under load (issue 7 item 6): one ingest worker drains a pre-published backlog at full speed while the
 * query API, on the same database, serves {@code /api/v2/dashboard} to 8 closed-loop clients; both run with
 * {@code -Xmx256m}. Reports per process the peak heap after GC (the live set), the heap after the last GC, the peak
 * before GC, GC pauses and the peak RSS, with the rates they sustained meanwhile.
 *
 * <p>Run: {@code benchmarks/run memory [--events 1m] [--concurrency 8] [--smoke]}.
 */
final class MemoryBench {
    private MemoryBench() {
    }

    static void run(Args args, Report report) throws Exception {
        boolean smoke = args.smoke();
        long events = args.count("events", smoke ? "5000" : "1m");
        int clients = args.ints("concurrency", "8").get(0);
        Table load = new Table("memory-load", "Load during the memory run (ingest and API at once, -Xmx256m each)",
                "events", "ingest events/s", "ingest seconds", "http clients", "http requests", "http req/s",
                "http errors", "http p99 ms");
        Table memory = ChildJvm.memoryTable("memory", "Memory of ingest and API under load (-Xmx256m each)");
        try (ScratchNats nats = ScratchNats.connect(BenchServers.natsUrl());
             ScratchDatabase db = ScratchDatabase.create(BenchServers.postgresServer()).withOmniSchema()) {
            Datasets.log("memory run: publishing " + Args.label(events) + " events");
            Traffic.Published published = Traffic.publish(nats, events, "default", Duration.ofHours(2));
            String consumer = "BENCH_MEM";
            var settings = IngestProcesses.settings(db, nats, consumer, published.first().minus(Duration.ofMinutes(1)));
            ApiProcess.Running api = ApiProcess.start("api-memory", db, nats, consumer, report.logs(),
                    args.flag("jfr"));
            try {
                AtomicBoolean done = new AtomicBoolean();
                List<HttpThroughputBench.Load> loads = new ArrayList<>();
                Thread http = Thread.ofPlatform().name("memory-http-load").start(() -> {
                    while (!done.get()) {
                        loads.add(HttpThroughputBench.load(api, clients, Duration.ofSeconds(1)));
                    }
                });
                List<ChildJvm> workers = IngestProcesses.launch(1, "ingest-memory", settings,
                        report.logs(), args.flag("jfr"));
                IngestBench.Progress progress;
                try {
                    progress = IngestBench.watch(nats, db.jdbcUrl(), List.of(consumer), published, workers,
                            Duration.ofSeconds(Math.max(120, published.total() / 2_000)));
                } finally {
                    done.set(true);
                    http.join();
                    IngestProcesses.stop(workers);
                }
                api.close();
                long requests = loads.stream().mapToLong(HttpThroughputBench.Load::requests).sum();
                long errors = loads.stream().mapToLong(HttpThroughputBench.Load::errors).sum();
                double seconds = loads.stream().mapToDouble(HttpThroughputBench.Load::seconds).sum();
                Latency e2e = new Latency();
                loads.forEach(l -> e2e.add(l.e2e()));
                load.add(published.total(), progress.overallRate(), progress.seconds(), clients, requests,
                        requests / seconds, errors, e2e.p99());
                ChildJvm.addMemoryRows(memory, "ingest + dashboard load", List.of(workers.get(0), api.child()));
                Datasets.log(String.format(Locale.ROOT, "  ingest %.0f events/s, API %.0f req/s meanwhile",
                        progress.overallRate(), requests / seconds));
            } finally {
                api.close();
            }
        }
        boolean ok = memory.rows().stream().allMatch(r -> Double.parseDouble(r.get(5)) < 256 && r.get(10).equals("no"));
        memory.note("target: stable under 256 MB heap: " + (ok ? "MET" : "MISSED")
                + " (peak heap after GC = the most the live set ever needed; heap before GC only shows when G1 chose to"
                + " collect)");
        memory.note("measured at " + Instant.now() + "; RSS from /proc/<pid>/status (VmHWM), heap from -Xlog:gc");
        load.publish(report);
        memory.publish(report);
    }
}
