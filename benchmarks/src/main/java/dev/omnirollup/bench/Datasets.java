package dev.omnirollup.bench;

import dev.omnirollup.sim.BulkHistory;
import dev.omnirollup.sim.ScratchDatabase;
import dev.omnirollup.store.Backfill;
import dev.omnirollup.store.RollupDatabase;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;

/**
 * Benchmark data sets: Omni's tables filled by omni-sim's {@link BulkHistory} (server-side
 * {@code INSERT ... SELECT generate_series}) with {@code n} {@code omni_events} rows over the last {@link #SPAN},
 * {@code n/50} {@code automation_logs}, {@code n/2000} dead letters and {@code n/100} stored payloads, physically
 * ordered by time as Omni's append-only tables are ({@code CLUSTER} on the time index), and the rollups built by
 * {@link Backfill} with the cutover at the end of the data.
 *
 * <p>Full-size sets live in databases {@code omni_rollup_bench_<size>} and are reused while their data is younger
 * than {@link #MAX_AGE} (the 24-hour windows then still hold the newest rows); smoke sets are scratch databases
 * dropped by {@link Dataset#close()}.
 */
final class Datasets {
    static final Duration SPAN = Duration.ofDays(365);
    /** Smoke sets span a month: backfill's cost per day dominates tiny sets. */
    static final Duration SMOKE_SPAN = Duration.ofDays(30);
    static final Duration MAX_AGE = Duration.ofHours(24);
    static final Duration MINUTE_RETENTION = Duration.ofDays(9);

    private Datasets() {
    }

    /**
     * A built data set.
     *
     * @param end      end of the data (exclusive) and the cutover
     * @param busiest  the instance with the most rows (for {@code ?instanceId=})
     * @param reused   whether it was already there
     */
    record Dataset(String name, String jdbcUrl, long rows, long automationLogs, Instant end, UUID busiest,
                   Duration generate, Duration cluster, Duration backfill, boolean reused, boolean rollupsRebuilt,
                   Optional<ScratchDatabase> scratch) implements AutoCloseable {
        @Override
        public void close() {
            scratch.ifPresent(ScratchDatabase::close);
        }

        String label() {
            return Args.label(rows);
        }
    }

    static String databaseName(long rows) {
        return "omni_rollup_bench_" + Args.label(rows);
    }

    /** The data set of {@code rows} rows: reused when present and fresh, else (re)built. */
    static Dataset ensure(long rows, boolean smoke, boolean fresh) {
        if (smoke) {
            ScratchDatabase scratch = ScratchDatabase.create().withOmniSchema();
            try {
                return build(scratch.name(), scratch.jdbcUrl(), rows, SMOKE_SPAN, Optional.of(scratch));
            } catch (RuntimeException e) {
                scratch.close();
                throw e;
            }
        }
        String name = databaseName(rows);
        String url = BenchServers.database(name);
        if (!fresh) {
            Optional<Dataset> existing = existing(name, url, rows);
            if (existing.isPresent()) {
                log("reusing " + name + " (" + Args.label(rows) + " rows, data until " + existing.get().end() + ")");
                return existing.get();
            }
        }
        BenchServers.freshOmniDatabase(name);
        return build(name, url, rows, SPAN, Optional.empty());
    }

    private static Optional<Dataset> existing(String name, String url, long rows) {
        long automationLogs;
        Instant end;
        UUID busiest;
        Duration generate;
        Duration cluster;
        Duration backfill;
        String fingerprint;
        try (Connection c = DriverManager.getConnection(url);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT rows, automation_logs, data_end_ms, busiest, generate_ms,"
                     + " cluster_ms, backfill_ms, rollup_fingerprint FROM bench.meta")) {
            if (!rs.next() || rs.getLong(1) != rows) {
                return Optional.empty();
            }
            automationLogs = rs.getLong(2);
            end = Instant.ofEpochMilli(rs.getLong(3));
            busiest = rs.getObject(4, UUID.class);
            generate = Duration.ofMillis(rs.getLong(5));
            cluster = Duration.ofMillis(rs.getLong(6));
            backfill = Duration.ofMillis(rs.getLong(7));
            fingerprint = rs.getString(8);
        } catch (SQLException e) {
            return Optional.empty(); // no such database or no meta table (of this version): build it
        }
        if (end.isBefore(Instant.now().minus(MAX_AGE))) {
            log(name + " holds data until " + end + ", older than " + MAX_AGE.toHours() + " h: rebuilding");
            return Optional.empty();
        }
        boolean rebuilt = false;
        if (!rollupFingerprint().equals(fingerprint)) {
            log(name + ": the rollup code changed since its rollups were built: rebuilding them by backfill");
            try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA IF EXISTS rollup CASCADE");
            } catch (SQLException e) {
                throw new IllegalStateException("dropping the rollups of " + name + " failed: " + e.getMessage(), e);
            }
            long t0 = System.nanoTime();
            busiest = buildRollups(url, end);
            backfill = Duration.ofNanos(System.nanoTime() - t0);
            log(String.format("  rollups rebuilt in %.1f s", backfill.toMillis() / 1000.0));
            try (Connection c = DriverManager.getConnection(url);
                 PreparedStatement ps = c.prepareStatement(
                         "UPDATE bench.meta SET busiest = ?, backfill_ms = ?, rollup_fingerprint = ?")) {
                ps.setObject(1, busiest);
                ps.setLong(2, backfill.toMillis());
                ps.setString(3, rollupFingerprint());
                ps.executeUpdate();
            } catch (SQLException e) {
                throw new IllegalStateException("recording " + name + " failed: " + e.getMessage(), e);
            }
            rebuilt = true;
        }
        return Optional.of(new Dataset(name, url, rows, automationLogs, end, busiest, generate, cluster, backfill,
                true, rebuilt, Optional.empty()));
    }

    /**
     * A fingerprint of the rollup code (rollup-store's jar, or its class and migration files): rollups built by other
     * code are rebuilt, the raw data is kept.
     */
    static String rollupFingerprint() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            Path source = Path.of(Backfill.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (Files.isDirectory(source)) {
                try (var files = Files.walk(source)) {
                    for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                        sha.update(source.relativize(file).toString().getBytes(StandardCharsets.UTF_8));
                        sha.update(Files.readAllBytes(file));
                    }
                }
            } else {
                sha.update(Files.readAllBytes(source));
            }
            return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
        } catch (IOException | URISyntaxException | NoSuchAlgorithmException e) {
            return "unknown";
        }
    }

    private static Dataset build(String name, String url, long rows, Duration span,
                                 Optional<ScratchDatabase> scratch) {
        Instant end = Instant.now().truncatedTo(ChronoUnit.MINUTES);
        log("building " + name + ": " + Args.label(rows) + " omni_events rows over " + span.toDays() + " days until "
                + end);
        long t0 = System.nanoTime();
        BulkHistory.Options options = BulkHistory.Options.of(rows, end, span);
        BulkHistory.fill(url, options);
        OmniTables.fillSmallTables(url, rows);
        Duration generate = Duration.ofNanos(System.nanoTime() - t0);
        log(String.format("  generated in %.1f s", generate.toMillis() / 1000.0));

        long t1 = System.nanoTime();
        OmniTables.clusterByTime(url);
        Duration cluster = Duration.ofNanos(System.nanoTime() - t1);
        log(String.format("  clustered by time and vacuumed in %.1f s", cluster.toMillis() / 1000.0));

        long t2 = System.nanoTime();
        UUID busiest = buildRollups(url, end);
        Duration backfillTime = Duration.ofNanos(System.nanoTime() - t2);
        log(String.format("  rollups built by backfill in %.1f s", backfillTime.toMillis() / 1000.0));
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA IF NOT EXISTS bench");
            s.execute("DROP TABLE IF EXISTS bench.meta");
            s.execute("CREATE TABLE bench.meta (rows bigint, automation_logs bigint, data_end_ms bigint,"
                    + " busiest uuid, generate_ms bigint, cluster_ms bigint, backfill_ms bigint,"
                    + " rollup_fingerprint text, built_at timestamptz DEFAULT now())");
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO bench.meta VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setLong(1, rows);
                ps.setLong(2, options.automationLogs());
                ps.setLong(3, end.toEpochMilli());
                ps.setObject(4, busiest);
                ps.setLong(5, generate.toMillis());
                ps.setLong(6, cluster.toMillis());
                ps.setLong(7, backfillTime.toMillis());
                ps.setString(8, rollupFingerprint());
                ps.executeUpdate();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("recording " + name + " failed: " + e.getMessage(), e);
        }
        return new Dataset(name, url, rows, options.automationLogs(), end, busiest, generate, cluster, backfillTime,
                false, false, scratch);
    }

    /** Migrates the rollup schema, backfills it up to {@code end} (the cutover); returns the busiest instance. */
    private static UUID buildRollups(String url, Instant end) {
        try (RollupDatabase rollups = RollupDatabase.open(url, "rollup", "public", 2, "bench-data")) {
            rollups.migrate();
            Instant cutover = rollups.ensureCutover(end);
            Backfill backfill = new Backfill(rollups, InstantSource.system(), MINUTE_RETENTION);
            backfill.run(backfill.plan(cutover, Optional.empty(), Optional.empty()), false, () -> false, (p, r) -> { });
            UUID busiest = rollups.withConnection(c -> {
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                        "SELECT instance_id FROM rollup.msg_total WHERE scope = 1 ORDER BY total DESC LIMIT 1")) {
                    return rs.next() ? rs.getObject(1, UUID.class) : new UUID(0, 0);
                }
            });
            rollups.withConnection(c -> {
                try (Statement s = c.createStatement()) {
                    s.execute("VACUUM ANALYZE");
                }
                return null;
            });
            return busiest;
        }
    }

    /** Table and index sizes in MB: omni_events (with indexes) and the rollup schema. */
    static double[] sizesMb(String url) {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT pg_total_relation_size('omni_events'),"
                     + " (SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c"
                     + "  JOIN pg_namespace n ON n.oid = c.relnamespace"
                     + "  WHERE n.nspname = 'rollup' AND c.relkind = 'r'),"
                     + " (SELECT count(*) FROM rollup.msg_hour) + (SELECT count(*) FROM rollup.msg_day)"
                     + " + (SELECT count(*) FROM rollup.msg_minute)")) {
            rs.next();
            return new double[] {rs.getLong(1) / 1048576.0, rs.getLong(2) / 1048576.0, rs.getLong(3)};
        } catch (SQLException e) {
            return new double[] {Double.NaN, Double.NaN, Double.NaN};
        }
    }

    static void log(String line) {
        System.out.println("[bench] " + line);
        System.out.flush();
    }
}
