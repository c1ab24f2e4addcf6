package dev.omnirollup.bench;

import dev.omnirollup.store.Backfill;
import dev.omnirollup.store.BackfillFoldFloor;
import dev.omnirollup.store.RollupDatabase;
import java.io.OutputStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.postgresql.PGConnection;

/**
 * Backfill speed: on the client benchmark's data sets ({@link ClientDatasets}: events in every minute of the last
 * {@code --days}, over 50 and 500 instances), the rollups are rebuilt from scratch into an empty schema twice — by
 * {@link Backfill} in this JVM (the work alone) and by the launcher's {@code omni-rollup backfill} (the whole process,
 * JVM start and migrations included) — and compared, in the same run, with reading the columns backfill needs once
 * ({@code COPY (SELECT …) TO STDOUT (FORMAT binary)} into nothing, best of three) and with a sequential
 * {@code count(*)}.
 *
 * <p>Run: {@code benchmarks/run backfill [--sizes 2m,10m] [--instances 50,500] [--days 60] [--parallelism 2]
 * [--pg-profile] [--smoke]}; profile the driver with
 * {@code BENCH_JAVA_OPTS="-Xmx3g -XX:StartFlightRecording=filename=backfill.jfr,settings=profile"}.
 */
final class BackfillBench {
    static final String SCHEMA = "rollup_bench";
    /** The columns backfill reads of every row, in one COPY: the floor of any design that reads them all. */
    static final String COPY_NEEDED_COLUMNS = "COPY (SELECT received_at, instance_id, channel, direction, event_type,"
            + " content_type, error_stage, status, processing_time_ms, agent_latency_ms, external_id IS NULL"
            + " FROM omni_events) TO STDOUT (FORMAT binary)";
    private static final double RATE_TARGET = 1_000_000;
    private static final double COPY_RATIO_TARGET = 2;
    private static final int CORES = Runtime.getRuntime().availableProcessors();

    private BackfillBench() {
    }

    static void run(Args args, Report report) throws Exception {
        boolean smoke = args.smoke();
        List<Long> sizes = args.sizes("sizes", smoke ? "3000" : "2m,10m");
        List<Integer> instances = args.ints("instances", smoke ? "4,12" : "50,500");
        int days = (int) args.count("days", smoke ? "2" : "60");
        int parallelism = (int) args.count("parallelism", "2");
        Duration maxAge = args.duration("max-age", "720h");
        Launcher launcher = Launcher.locate(args.value("launcher"));
        String version = launcher.ensureBuilt(report.logs());
        Table table = new Table("backfill", "Backfill speed against reading the needed columns once",
                "omni_events rows", "instances", "automation_logs rows", "COPY out of the needed columns s",
                "count(*) seq scan s", "backfill s", "omni_events rows/s", "backfill / COPY out",
                "rollup rows written", "launcher s (whole process)", "launcher rows/s", "days",
                "db backends cpu s", "driver cpu s", "driver jit cpu s", "driver gc cpu s", "machine cpu s",
                "cores busy", "COPY out machine cpu s", "write floor s", "write floor machine cpu s",
                "fold cpu s (compiled)", "start floor s", "floor rows/s in process (fold free)",
                "floor rows/s in process", "floor rows/s whole process", "floor / COPY out");
        List<String> missed = new ArrayList<>();
        for (long size : sizes) {
            for (int count : instances) {
                ClientDatasets.Shape shape = new ClientDatasets.Shape(size, count, days);
                try (ClientDatasets.Dataset data = ClientDatasets.ensure(shape, smoke, args.flag("fresh-data"),
                        maxAge)) {
                    measure(args, report, data, parallelism, launcher, table, missed);
                }
            }
        }
        table.note(String.format(Locale.ROOT, "targets: >= 1 000 000 omni_events rows/s at 10 M rows (in process) and at"
                + " 2 M rows (whole process), within %.0fx of the COPY out: %s", COPY_RATIO_TARGET,
                missed.isEmpty() ? "MET" : "MISSED (" + String.join("; ", missed) + ")"));
        table.note("COPY out = " + COPY_NEEDED_COLUMNS + " drained by the driver and dropped, the faster of one run"
                + " before and one after (its machine cpu that run's); count(*) seq scan = SELECT count(*) FROM"
                + " omni_events with index scans off, best of three");
        table.note("backfill = Backfill in the driver's JVM (one JVM for every set: its JIT cold for the first"
                + " only), " + parallelism + " days at once, into an"
                + " empty schema; launcher = '" + launcher.command() + " backfill' (" + version + ") into an empty"
                + " schema, wall time of the process");
        table.note("write floor = the rows the launcher's backfill left (every table of its schema), loaded with COPY"
                + " (binary format) into a fresh schema in the same order, plus the per-instance index builds; start"
                + " floor = the launcher's backfill over empty copies of Omni's tables (JVM start, migrations, index builds);"
                + " machine cpu = busy CPU seconds of the whole machine (/proc/stat: user, nice, system, irq, softirq;"
                + " the backends, the driver, the WAL writer, the kernel) while the backfill, the COPY out or the write"
                + " floor ran, cores busy = the backfill's machine cpu / its wall time; driver jit and gc = the CPU of"
                + " the driver's compiler threads and of its collector's (and the VM thread's) meanwhile; fold cpu"
                + " (compiled) = backfill's fold of every day's rows held in memory (read, folded, spread, written as"
                + " COPY rows into nothing), on one thread, the cheapest of three passes per day (BackfillFoldFloor):"
                + " its cost once the JIT has compiled it, without the collector's; floor (fold free) = max(COPY out,"
                + " (COPY out machine cpu + write floor machine cpu) / " + CORES + " cores): reading and writing alone,"
                + " perfectly overlapped on every core; floor = the same with the fold's compiled cpu added: what this"
                + " design of backfill cannot beat on this machine; whole-process floor = start floor + floor; floor /"
                + " COPY out with the fold's cpu");
        table.note("rollup rows written = minute (last " + Datasets.MINUTE_RETENTION.toDays() + " days), hour, day and"
                + " total rows of both scopes");
        table.publish(report);
    }

    private static void measure(Args args, Report report, ClientDatasets.Dataset data, int parallelism,
                                Launcher launcher, Table table, List<String> missed) throws Exception {
        ClientDatasets.Shape shape = data.shape();
        Read copyBefore = copyOut(data.jdbcUrl());
        double count = countStar(data.jdbcUrl());
        drop(data.jdbcUrl());
        Datasets.log("backfill of " + shape.label() + " into schema " + SCHEMA);
        double seconds;
        long eventRows;
        long logRows;
        int dayCount;
        double backendCpu;
        double selfCpu;
        double machineCpu;
        double jitCpu;
        double gcCpu;
        BackfillFoldFloor.Result fold;
        try (RollupDatabase rollups = RollupDatabase.open(data.jdbcUrl(), SCHEMA, "public", parallelism + 1,
                "bench-backfill")) {
            rollups.migrate();
            rollups.ensureCutover(data.end());
            Backfill backfill = new Backfill(rollups, InstantSource.system(), Datasets.MINUTE_RETENTION, parallelism);
            Backfill.Plan plan = backfill.plan(data.end(), Optional.empty(), Optional.empty());
            BackendCpu backends = BackendCpu.start(data.name());
            long self = ProcessHandle.current().pid();
            double selfCpu0 = Procs.cpuSeconds(self);
            Procs.MachineCpu machine0 = Procs.machineCpu();
            Map<String, Double> roles0 = driverRoles(self);
            PgSampler sampler = args.flag("pg-profile") ? PgSampler.start(BenchServers.postgresServer(), data.name())
                    : null;
            long started = System.nanoTime();
            List<Backfill.DayResult> results = backfill.run(plan, false, () -> false, (p, r) -> { });
            seconds = (System.nanoTime() - started) / 1e9;
            machineCpu = Procs.machineCpu().minus(machine0).busy();
            Map<String, Double> roles = driverRoles(self);
            roles0.forEach((role, cpu) -> roles.merge(role, -cpu, Double::sum));
            jitCpu = roles.getOrDefault("jit", 0.0);
            gcCpu = roles.getOrDefault("gc", 0.0);
            backendCpu = backends.seconds();
            selfCpu = Procs.cpuSeconds(self) - selfCpu0;
            if (sampler != null) {
                sampler.close();
                sampler.publish(report, "backfill-pg-profile-" + Args.label(shape.rows()) + "-i" + shape.instances(),
                        "PostgreSQL time by statement during the backfill of " + shape.label());
            }
            eventRows = results.stream().mapToLong(Backfill.DayResult::eventRows).sum();
            logRows = results.stream().mapToLong(Backfill.DayResult::automationRows).sum();
            dayCount = results.size();
            fold = BackfillFoldFloor.measure(rollups, backfill, plan);
            if (fold.rows() != eventRows) { // the floor must fold what backfill read, or it bounds something else
                throw new IllegalStateException("the fold floor folded " + fold.rows() + " rows, backfill "
                        + eventRows);
            }
        }
        long written = rollupRows(data.jdbcUrl());
        String tag = "backfill-" + Args.label(shape.rows()) + "-i" + shape.instances();
        LauncherBackfill.Result whole = LauncherBackfill.run(launcher, tag, data.jdbcUrl(), SCHEMA, report.logs());
        double wall = whole.wall().toNanos() / 1e9;
        BackfillFloors.Write write = BackfillFloors.write(data.jdbcUrl(), data.name(), SCHEMA);
        double start = BackfillFloors.start(launcher, tag, data.jdbcUrl(), report.logs());
        Read copyAfter = copyOut(data.jdbcUrl());
        Read read = copyAfter.seconds() < copyBefore.seconds() ? copyAfter : copyBefore;
        double copy = read.seconds();
        if (!args.flag("keep-data")) {
            drop(data.jdbcUrl());
        }
        double rate = eventRows / seconds;
        double wholeRate = eventRows / wall;
        double ratio = seconds / copy;
        // reading and writing take the same cores: a perfect overlap spreads the CPU of both (and the fold's) over them
        double freeFold = Math.max(copy, (read.machineCpu() + write.machineCpu()) / CORES);
        double floor = Math.max(copy, (read.machineCpu() + write.machineCpu() + fold.cpuSeconds()) / CORES);
        double floorRate = eventRows / floor;
        double wholeFloorRate = eventRows / (start + floor);
        String label = shape.label();
        if (shape.rows() >= 10_000_000 && rate < RATE_TARGET) {
            missed.add(String.format(Locale.ROOT, "%s: %.0f rows/s in process, %s", label, rate,
                    reach(eventRows / freeFold < RATE_TARGET, floorRate < RATE_TARGET, "%.0f rows/s",
                            eventRows / freeFold, floorRate)));
        }
        if (shape.rows() >= 2_000_000 && shape.rows() < 10_000_000 && wholeRate < RATE_TARGET) {
            double wholeFreeFold = eventRows / (start + freeFold);
            missed.add(String.format(Locale.ROOT, "%s: %.0f rows/s whole process, %s", label, wholeRate,
                    reach(wholeFreeFold < RATE_TARGET, wholeFloorRate < RATE_TARGET, "%.0f rows/s", wholeFreeFold,
                            wholeFloorRate)));
        }
        if (ratio > COPY_RATIO_TARGET) {
            missed.add(String.format(Locale.ROOT, "%s: %.2fx the COPY out in process, %s", label, ratio,
                    reach(freeFold / copy > COPY_RATIO_TARGET, floor / copy > COPY_RATIO_TARGET, "%.2fx",
                            freeFold / copy, floor / copy)));
        }
        table.add(Args.label(shape.rows()), shape.instances(), logRows, copy, count, seconds, rate, ratio, written,
                wall, wholeRate, dayCount, backendCpu, selfCpu, jitCpu, gcCpu, machineCpu, machineCpu / seconds,
                read.machineCpu(), write.seconds(), write.machineCpu(), fold.cpuSeconds(), start,
                eventRows / freeFold, floorRate, wholeFloorRate, floor / copy);
        Datasets.log(String.format(Locale.ROOT, "  %s: backfill %.2f s (%.0f rows/s, %.2fx the COPY out of %.2f s),"
                + " machine cpu %.2f s (%.2f cores busy), launcher %.2f s (%.0f rows/s): %s; floors: COPY out machine"
                + " cpu %.2f s, write %.2f s (%d rows, %.2f backend cpu s, %.2f machine cpu s), fold %.2f cpu s"
                + " (%d rows), start %.2f s",
                label, seconds, rate, ratio, copy, machineCpu, machineCpu / seconds, wall, wholeRate, whole.summary(),
                read.machineCpu(), write.seconds(), write.rows(), write.backendCpu(), write.machineCpu(),
                fold.cpuSeconds(), fold.rows(), start));
    }

    /** The driver's CPU so far by the role of its live threads ({@link IngestBench#role}: jit, gc, other). */
    private static Map<String, Double> driverRoles(long self) {
        Map<String, Double> roles = new HashMap<>();
        Procs.threadCpuSeconds(self).forEach((thread, cpu) -> roles.merge(IngestBench.role(thread), cpu, Double::sum));
        return roles;
    }

    private static void drop(String url) throws SQLException {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
        }
    }

    /**
     * Whether the floors rule a missed target out: for any backfill (the fold free), for this design (its fold's
     * compiled cost added), or neither.
     */
    private static String reach(boolean anyDesign, boolean thisDesign, String format, double freeFold, double floor) {
        String floors = String.format(Locale.ROOT, format + " with the fold free, " + format + " with it compiled",
                freeFold, floor);
        return (anyDesign ? "out of reach for any backfill" : thisDesign ? "out of reach for this design"
                : "the floors allow it") + " (floors " + floors + ")";
    }

    /** One COPY out of the needed columns: its wall seconds and the machine's busy CPU seconds meanwhile. */
    private record Read(double seconds, double machineCpu) {
    }

    /** One COPY of the needed columns, drained and dropped. */
    private static Read copyOut(String url) throws Exception {
        try (Connection c = DriverManager.getConnection(url)) {
            Procs.MachineCpu machine0 = Procs.machineCpu();
            long t0 = System.nanoTime();
            c.unwrap(PGConnection.class).getCopyAPI().copyOut(COPY_NEEDED_COLUMNS, OutputStream.nullOutputStream());
            return new Read((System.nanoTime() - t0) / 1e9, Procs.machineCpu().minus(machine0).busy());
        }
    }

    /** Seconds of the fastest of three {@code count(*)} with index scans off (it reads every row). */
    private static double countStar(String url) throws SQLException {
        double best = Double.MAX_VALUE;
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("SET enable_indexscan = off");
            s.execute("SET enable_indexonlyscan = off");
            s.execute("SET enable_bitmapscan = off");
            for (int i = 0; i < 3; i++) {
                long t0 = System.nanoTime();
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM omni_events")) {
                    rs.next();
                }
                best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            }
        }
        return best;
    }

    private static long rollupRows(String url) throws SQLException {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT (SELECT count(*) FROM " + SCHEMA + ".msg_minute)"
                     + " + (SELECT count(*) FROM " + SCHEMA + ".msg_hour) + (SELECT count(*) FROM " + SCHEMA
                     + ".msg_day) + (SELECT count(*) FROM " + SCHEMA + ".msg_total)")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
