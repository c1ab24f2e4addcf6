package dev.omnirollup.bench;

import dev.omnirollup.sim.BulkHistory;
import dev.omnirollup.sim.ScratchDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;

/**
 * Omni's tables for the client benchmark: {@code rows} {@code omni_events} rows spread evenly over the {@code days}
 * before now ({@link BulkHistory.Spread#EVEN}: events in every minute once there are at least as many rows as minutes),
 * over {@code instances} instances (rows of {@code instances} too, every one active over the period), {@code rows/50}
 * automation logs, the small live tables, clustered by time as Omni's append-only tables are. No rollups: the client
 * benchmark builds those with the launcher.
 *
 * <p>Full-size sets live in databases {@code omni_rollup_client_<rows>_i<instances>_d<days>} and are reused while their
 * data ends less than {@code maxAge} ago (the windows ending now then still hold events); smoke sets are scratch
 * databases dropped on {@link Dataset#close()}.
 */
final class ClientDatasets {
    /** Generation speeds of the full run on the quiet machine (10 M rows), for the estimate printed before a build. */
    private static final double GENERATE_ROWS_PER_S = 160_000;
    private static final double CLUSTER_ROWS_PER_S = 150_000;
    private static final double BYTES_PER_ROW = 360;

    private ClientDatasets() {
    }

    /** The longest whole number of days (at least one) over which {@code rows} still put an event in every minute. */
    static int denseDays(long rows) {
        return (int) Math.max(1, rows / Duration.ofDays(1).toMinutes());
    }

    /** What a data set holds. */
    record Shape(long rows, int instances, int days) {
        String name() {
            return "omni_rollup_client_" + Args.label(rows) + "_i" + instances + "_d" + days;
        }

        String label() {
            return Args.label(rows) + " rows, " + instances + " instances";
        }

        /** Rough build time (generate + cluster) and disk size on this project's machine, for the plan. */
        String estimate() {
            double seconds = rows / GENERATE_ROWS_PER_S + rows / CLUSTER_ROWS_PER_S;
            return String.format(Locale.ROOT, "about %.0f s to generate and cluster on a quiet machine, %.1f GB",
                    seconds, rows * BYTES_PER_ROW / 1e9);
        }
    }

    /**
     * A data set ready to be backfilled.
     *
     * @param end      end of the data (exclusive): the minute it was generated
     * @param generate time to generate the rows (of the original build when reused)
     * @param cluster  time to cluster and vacuum (of the original build when reused)
     */
    record Dataset(Shape shape, String name, String jdbcUrl, Instant end, Duration generate, Duration cluster,
                   boolean reused, Optional<ScratchDatabase> scratch) implements AutoCloseable {
        @Override
        public void close() {
            scratch.ifPresent(ScratchDatabase::close);
        }

        Duration age() {
            return Duration.between(end, Instant.now());
        }
    }

    /** The data set of {@code shape}: reused when present and younger than {@code maxAge}, else (re)built. */
    static Dataset ensure(Shape shape, boolean smoke, boolean fresh, Duration maxAge) {
        if (smoke) {
            ScratchDatabase scratch = ScratchDatabase.create().withOmniSchema();
            try {
                return build(shape, scratch.name(), scratch.jdbcUrl(), Optional.of(scratch));
            } catch (RuntimeException e) {
                scratch.close();
                throw e;
            }
        }
        String name = shape.name();
        String url = BenchServers.database(name);
        if (!fresh) {
            Optional<Dataset> existing = existing(shape, url, maxAge);
            if (existing.isPresent()) {
                Datasets.log("reusing " + name + " (data until " + existing.get().end() + ", "
                        + existing.get().age().toMinutes() + " min ago)");
                return existing.get();
            }
        }
        BenchServers.freshOmniDatabase(name);
        return build(shape, name, url, Optional.empty());
    }

    /** What {@link #ensure} would do for {@code shape}: reuse a set (and how old it is) or build one (and the cost). */
    static String plan(Shape shape, Duration maxAge) {
        Optional<Dataset> existing = existing(shape, BenchServers.database(shape.name()), maxAge);
        return existing.map(d -> "reuse " + shape.name() + " (data " + d.age().toMinutes() + " min old)")
                .orElse("build " + shape.name() + ": " + shape.estimate());
    }

    private static Optional<Dataset> existing(Shape shape, String url, Duration maxAge) {
        try (Connection c = DriverManager.getConnection(url);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT rows, instances, days, data_end_ms, generate_ms, cluster_ms"
                     + " FROM bench.client_meta")) {
            if (!rs.next() || rs.getLong(1) != shape.rows() || rs.getInt(2) != shape.instances()
                    || rs.getInt(3) != shape.days()) {
                return Optional.empty();
            }
            Dataset found = new Dataset(shape, shape.name(), url, Instant.ofEpochMilli(rs.getLong(4)),
                    Duration.ofMillis(rs.getLong(5)), Duration.ofMillis(rs.getLong(6)), true, Optional.empty());
            if (found.age().compareTo(maxAge) > 0) {
                Datasets.log(shape.name() + " holds data until " + found.end() + ", older than " + maxAge.toMinutes()
                        + " min (--max-age): rebuilding");
                return Optional.empty();
            }
            return Optional.of(found);
        } catch (SQLException e) {
            return Optional.empty(); // no such database or no meta table: build it
        }
    }

    private static Dataset build(Shape shape, String name, String url, Optional<ScratchDatabase> scratch) {
        Instant end = Instant.now().truncatedTo(ChronoUnit.MINUTES);
        Duration span = Duration.ofDays(shape.days());
        Datasets.log("building " + name + ": " + shape.label() + " over " + shape.days() + " days until " + end + " ("
                + shape.estimate() + ")");
        long t0 = System.nanoTime();
        BulkHistory.Options options = BulkHistory.Options.of(shape.rows(), end, span)
                .withInstances(shape.instances()).withSpread(BulkHistory.Spread.EVEN);
        BulkHistory.fill(url, options);
        OmniTables.fillSmallTables(url, shape.rows());
        Duration generate = Duration.ofNanos(System.nanoTime() - t0);
        Datasets.log(String.format(Locale.ROOT, "  generated in %.1f s", generate.toMillis() / 1000.0));
        long t1 = System.nanoTime();
        OmniTables.clusterByTime(url);
        Duration cluster = Duration.ofNanos(System.nanoTime() - t1);
        Datasets.log(String.format(Locale.ROOT, "  clustered by time and vacuumed in %.1f s",
                cluster.toMillis() / 1000.0));
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA IF NOT EXISTS bench");
            s.execute("DROP TABLE IF EXISTS bench.client_meta");
            s.execute("CREATE TABLE bench.client_meta (rows bigint, instances int, days int, data_end_ms bigint,"
                    + " generate_ms bigint, cluster_ms bigint, built_at timestamptz DEFAULT now())");
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO bench.client_meta VALUES (?, ?, ?, ?, ?, ?)")) {
                ps.setLong(1, shape.rows());
                ps.setInt(2, shape.instances());
                ps.setInt(3, shape.days());
                ps.setLong(4, end.toEpochMilli());
                ps.setLong(5, generate.toMillis());
                ps.setLong(6, cluster.toMillis());
                ps.executeUpdate();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("recording " + name + " failed: " + e.getMessage(), e);
        }
        return new Dataset(shape, name, url, end, generate, cluster, false, scratch);
    }

    /** Megabytes of {@code omni_events} (with its indexes) and of {@code schema}, and the rows of {@code schema}. */
    static double[] sizes(String url, String schema) {
        try (Connection c = DriverManager.getConnection(url);
             PreparedStatement ps = c.prepareStatement("SELECT pg_total_relation_size('omni_events'),"
                     + " (SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c"
                     + "   JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relkind = 'r'),"
                     + " (SELECT coalesce(sum(n_live_tup), 0) FROM pg_stat_user_tables WHERE schemaname = ?)")) {
            ps.setString(1, schema);
            ps.setString(2, schema);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new double[] {rs.getLong(1) / 1048576.0, rs.getLong(2) / 1048576.0, rs.getLong(3)};
            }
        } catch (SQLException e) {
            return new double[] {Double.NaN, Double.NaN, Double.NaN};
        }
    }

    /**
     * Writes out what building the set and its rollups left dirty ({@code CHECKPOINT} flushes PostgreSQL's buffers
     * and syncs the files), so that neither the checkpointer nor the kernel's writeback of gigabytes runs during the
     * measurement; the seconds it took, NaN when PostgreSQL refused (it needs a superuser or pg_checkpoint).
     */
    static double checkpoint(String url) {
        long start = System.nanoTime();
        try (Connection c = DriverManager.getConnection(url); Statement statement = c.createStatement()) {
            statement.execute("CHECKPOINT");
            return (System.nanoTime() - start) / 1e9;
        } catch (SQLException e) {
            Datasets.log("CHECKPOINT refused (" + e.getMessage() + "); measuring with the writes still pending");
            return Double.NaN;
        }
    }
}
