package dev.omnirollup.bench;

import dev.omnirollup.ingest.IngestSettings;
import dev.omnirollup.sim.OmniOperations;
import dev.omnirollup.sim.ScratchDatabase;
import dev.omnirollup.sim.ScratchNats;
import dev.omnirollup.store.Setting;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * Freshness of automation metrics as a dashboard sees it. Omni publishes nothing about automation executions: it
 * writes each one into {@code automation_logs}, which the ingest polls every {@code automation-log-poll}. One ingest
 * worker and the query API run as separate JVMs with default settings on a scratch database and stream pair; while
 * live message traffic is published at a steady {@code --rate} (0: none), {@link AutomationRunWriter} inserts manual
 * runs as Omni does at {@code --run-rate} per second plus a marker run every 250 ms, and {@link ExecutionsPoller}
 * asks {@code /api/v2/automation-metrics} again 10 ms after each answer. Marker k is visible once
 * {@code totalExecutions} reaches the rows committed up to it; latency = return of its autocommit insert to the first
 * answer that counts it. Markers of the first seconds (JIT warm-up, the first poll) are left out.
 *
 * <p>Run: {@code benchmarks/run freshness-automation [--run-rate 20] [--rate 2000] [--duration 60s] [--smoke]}.
 */
final class AutomationFreshnessBench {
    static final String TABLE = "freshness-automation";
    private static final Duration MARKER_EVERY = Duration.ofMillis(250);
    private static final Duration POLL_EVERY = Duration.ofMillis(10);
    private static final Duration TARGET = Duration.ofSeconds(5);

    private AutomationFreshnessBench() {
    }

    static void run(Args args, Report report) throws Exception {
        boolean smoke = args.smoke();
        Duration duration = args.duration("duration", smoke ? "5s" : "60s");
        long runRate = args.count("run-rate", "20");
        long rate = args.count("rate", smoke ? "200" : "2000");
        Duration warmup = Duration.ofMillis(Math.min(5_000, duration.toMillis() / 5));
        Duration tailPoll = Setting.duration(IngestSettings.AUTOMATION_LOG_POLL.defaultValue());
        Table table = new Table(TABLE, "Freshness of automation metrics: automation_logs row committed -> counted by"
                + " /automation-metrics", "message events/s", "achieved events/s", "runs/s", "achieved runs/s",
                "seconds", "markers", "visible", "min ms", "p50 ms", "p90 ms", "p99 ms", "max ms", "insert p50 ms",
                "polls", "poll errors");
        try (ScratchNats nats = ScratchNats.connect(BenchServers.natsUrl());
             ScratchDatabase db = ScratchDatabase.create(BenchServers.postgresServer()).withOmniSchema()) {
            nats.messageStream();
            nats.automationStream();
            String consumer = "BENCH_AUTO_FRESH";
            // automation-log-poll and automation-log-lookback stay at their defaults
            var settings = IngestProcesses.settings(db, nats, consumer, Instant.now().minus(Duration.ofMinutes(1)));
            List<ChildJvm> workers = IngestProcesses.launch(1, "ingest-auto-fresh", settings, report.logs(),
                    args.flag("jfr"));
            try {
                IngestProcesses.awaitReady(workers, Duration.ofSeconds(60));
                try (ApiProcess.Running api = ApiProcess.start("api-auto-fresh", db, nats, consumer, report.logs(),
                        args.flag("jfr"));
                     Handle omni = db.jdbi().open()) {
                    Measured m = measure(nats, api, omni, rate, runRate, duration, warmup, tailPoll);
                    MarkerLatencies result = m.latencies();
                    Latency latency = result.visibility();
                    table.add(rate, m.achievedEvents(), runRate, m.written().achievedRate(), duration.toSeconds(),
                            result.markers(), result.visible(), latency.ms(0), latency.p50(), latency.ms(90),
                            latency.p99(), latency.maxMs(), result.insert().p50(), m.observed().requests(),
                            m.observed().errors());
                    boolean met = result.visible() == result.markers() && latency.maxMs() <= TARGET.toMillis();
                    table.note(String.format(Locale.ROOT,
                            "target: every automation_logs row visible in the API within %d s: %s (max %.0f ms, %d of"
                                    + " %d markers visible)", TARGET.toSeconds(), met ? "MET" : "MISSED",
                            latency.maxMs(), result.visible(), result.markers()));
                    table.note(expectation(tailPoll, latency));
                    table.note("ingest and API as separate JVMs (-Xmx" + ChildJvm.HEAP + "), default settings:"
                            + " automation-log-poll " + IngestSettings.AUTOMATION_LOG_POLL.defaultValue()
                            + ", automation-log-lookback " + IngestSettings.AUTOMATION_LOG_LOOKBACK.defaultValue()
                            + ", API cache off; message events = messages-only live traffic on NATS at the same time"
                            + " (0: none)");
                    table.note("a marker = one extra manual run every " + MARKER_EVERY.toMillis() + " ms (autocommit"
                            + " INSERT as Omni writes it); latency = its INSERT returned -> first answer of "
                            + ExecutionsPoller.PATH + " (next request " + POLL_EVERY.toMillis() + " ms after each"
                            + " answer) counting every"
                            + " row committed up to it; the first " + warmup.toMillis() + " ms are warm-up and not"
                            + " counted");
                }
            } finally {
                IngestProcesses.stop(workers);
            }
        }
        table.publish(report);
    }

    /** One measurement: the background traffic achieved, what the writer wrote, what the poller saw, the latencies. */
    private record Measured(double achievedEvents, AutomationRunWriter.Written written,
                            ExecutionsPoller.Observed observed, MarkerLatencies latencies) {
    }

    private static Measured measure(ScratchNats nats, ApiProcess.Running api, Handle omni, long rate,
                                    long runRate, Duration duration, Duration warmup, Duration tailPoll)
            throws Exception {
        UUID automation = OmniOperations.createAutomation(omni, "bench freshness");
        long started = System.nanoTime();
        try (ExecutionsPoller poller = ExecutionsPoller.start(api, POLL_EVERY)) {
            SteadyTraffic traffic = rate > 0 ? SteadyTraffic.start(nats, rate) : null;
            AutomationRunWriter.Written written;
            double achievedEvents;
            try {
                written = AutomationRunWriter.write(omni, automation, runRate, MARKER_EVERY, duration);
            } finally {
                achievedEvents = traffic == null ? 0 : traffic.stop();
            }
            ExecutionsPoller.Observed observed = poller.stopAt(written.rows(), TARGET.plus(tailPoll).multipliedBy(2));
            return new Measured(achievedEvents, written, observed,
                    MarkerLatencies.of(written.markers(), observed.sightings(), started + warmup.toNanos()));
        }
    }

    /**
     * What the poll interval implies: a row committed at a random moment waits for the tail's next read, uniformly
     * 0 to one interval; then the read, the rollup write and its commit, and the API's query (together about the
     * fastest marker) come on top.
     */
    private static String expectation(Duration tailPoll, Latency latency) {
        double poll = tailPoll.toMillis();
        double fixed = latency.ms(0);
        return String.format(Locale.ROOT, "expected from automation-log-poll %.0f ms: a row waits for the next"
                        + " tail read, uniformly 0-%.0f ms (the tail waits the interval after each read ends), plus"
                        + " the read, the rollup commit and the API query (about the min, %.0f ms): p50 ~ poll/2 + min"
                        + " = %.0f ms, p90 ~ %.0f ms, max ~ poll + min = %.0f ms", poll, poll, fixed, poll / 2 + fixed,
                poll * 0.9 + fixed, poll + fixed);
    }
}
