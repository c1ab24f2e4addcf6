package dev.omnirollup.bench;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * HTTP throughput of {@code GET /api/v2/dashboard} at increasing concurrency (issue 7 item 3): a closed loop of
 * {@code c} clients (virtual threads, one keep-alive connection each, no think time) against the API in its own JVM
 * ({@code -Xmx256m}), caching off. Reports requests/s, errors (must be 0), latency percentiles, and where the two
 * cores went (API JVM, PostgreSQL, the load generator itself), then the API's memory.
 *
 * <p>Run: {@code benchmarks/run http [--size 1m] [--concurrency 1,2,4,8,16,32,64] [--duration 10s] [--smoke]}.
 */
final class HttpThroughputBench {
    static final String PATH = "/api/v2/dashboard";

    private HttpThroughputBench() {
    }

    /** The outcome of one closed-loop run. */
    record Load(int clients, long requests, long errors, double seconds, Latency e2e, Latency server) {
        double perSecond() {
            return requests / seconds;
        }
    }

    static void run(Args args, Report report) {
        boolean smoke = args.smoke();
        long size = args.count("size", smoke ? "2000" : "1m");
        List<Integer> levels = args.ints("concurrency", smoke ? "1,4" : "1,2,4,8,16,32,64");
        Duration duration = args.duration("duration", smoke ? "1s" : "10s");
        Duration warmup = smoke ? Duration.ofMillis(300) : Duration.ofSeconds(3);
        Table table = new Table("http-throughput", "HTTP throughput of GET " + PATH + " (" + Args.label(size)
                + " raw rows, caching off)", "clients", "requests", "req/s", "errors", "p50 ms", "p99 ms", "max ms",
                "server p50 ms", "server p99 ms", "api cpu %", "db backends cpu %", "load generator cpu %");
        Table memory = ChildJvm.memoryTable("http-throughput-memory", "Query API memory under the HTTP load");
        try (Datasets.Dataset data = Datasets.ensure(size, smoke, args.flag("fresh-data"));
             ApiProcess.Running api = ApiProcess.start("api-http", data.jdbcUrl(), "BENCH_NO_MESSAGE",
                     "BENCH_NO_AUTOMATION", "bench", report.logs(), args.flag("jfr"),
                     args.value("api-pg-options").orElse(""))) {
            long self = ProcessHandle.current().pid();
            for (int clients : levels) {
                load(api, clients, warmup);
                double apiCpu = api.child().cpuSeconds();
                BackendCpu backends = BackendCpu.start(data.name());
                double selfCpu = Procs.cpuSeconds(self);
                Load load = load(api, clients, duration);
                double wall = load.seconds();
                double apiUse = (api.child().cpuSeconds() - apiCpu) / wall * 100;
                double pgUse = backends.seconds() / wall * 100;
                double selfUse = (Procs.cpuSeconds(self) - selfCpu) / wall * 100;
                table.add(clients, load.requests(), load.perSecond(), load.errors(), load.e2e().p50(),
                        load.e2e().p99(), load.e2e().maxMs(), load.server().p50(), load.server().p99(), apiUse, pgUse,
                        selfUse);
                Datasets.log(String.format(Locale.ROOT, "  %3d clients: %8.0f req/s, p99 %.2f ms, %d errors",
                        clients, load.perSecond(), load.e2e().p99(), load.errors()));
            }
            ChildJvm.addMemoryRows(memory, "dashboard load", List.of(api.child()));
        }
        long errors = table.rows().stream().mapToLong(r -> Long.parseLong(r.get(3))).sum();
        table.note("errors: " + errors + (errors == 0 ? " (target 0: MET)" : " (target 0: MISSED)"));
        table.note("cpu % of one core (the machine has " + Runtime.getRuntime().availableProcessors()
                + "); the load generator runs on the same machine");
        args.value("api-pg-options").ifPresent(o -> table.note("API connections with PostgreSQL options: " + o));
        table.publish(report);
        memory.publish(report);
    }

    /** Runs {@code clients} closed-loop clients for {@code duration}. */
    static Load load(ApiProcess.Running api, int clients, Duration duration) {
        AtomicLong errors = new AtomicLong();
        List<Latency[]> perClient = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        long start = System.nanoTime();
        long deadline = start + duration.toNanos();
        long[] counts = new long[clients];
        for (int i = 0; i < clients; i++) {
            Latency[] latencies = {new Latency(), new Latency()};
            perClient.add(latencies);
            int index = i;
            threads.add(Thread.ofVirtual().start(() -> {
                try (HttpProbe probe = api.probe()) {
                    while (System.nanoTime() < deadline) {
                        long t0 = System.nanoTime();
                        try {
                            HttpProbe.Reply reply = probe.get(PATH);
                            long t1 = System.nanoTime();
                            if (reply.status() != 200) {
                                errors.incrementAndGet();
                            } else {
                                latencies[0].recordNanos(t1 - t0);
                                latencies[1].recordMillis(reply.serverMillis());
                            }
                        } catch (IOException | RuntimeException e) {
                            errors.incrementAndGet();
                        }
                        counts[index]++;
                    }
                }
            }));
        }
        for (Thread thread : threads) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Latency e2e = new Latency();
        Latency server = new Latency();
        perClient.forEach(l -> {
            e2e.add(l[0]);
            server.add(l[1]);
        });
        long requests = 0;
        for (long c : counts) {
            requests += c;
        }
        return new Load(clients, requests, errors.get(), seconds, e2e, server);
    }

    static Map<String, Double> cpu() {
        return Procs.cpuSecondsByName(Set.of("postgres", "nats-server"));
    }
}
