package dev.omnirollup.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * What PostgreSQL's cumulative statistics say was read from each table of some schemas, so that two snapshots around
 * a batch of requests give the rows and pages the batch read: <em>rows</em> = rows returned by sequential scans
 * ({@code seq_tup_read}) plus index entries returned by scans of the table's indexes ({@code idx_tup_read}: this also
 * counts index-only scans, which {@code idx_tup_fetch} misses); <em>pages</em> = 8 kB buffers of table, indexes and
 * TOAST, hit or read ({@code pg_statio_user_tables}).
 *
 * <p>Backends publish their counts when idle, at most once a second and otherwise within about ten seconds, so a
 * snapshot counts a batch only once {@link #SETTLE} has passed after its last request. Immutable.
 *
 * @param at     when the snapshot was taken ({@link System#nanoTime()})
 * @param tables schema-qualified table name to its counts
 */
record TableReads(long at, Map<String, Counts> tables) {
    /** How long after a batch its counts are surely published (PostgreSQL flushes idle backends within 10 s). */
    static final Duration SETTLE = Duration.ofMillis(11_000);

    private static final String SQL = """
            SELECT t.schemaname || '.' || t.relname,
                   coalesce(t.seq_tup_read, 0)
                     + coalesce((SELECT sum(i.idx_tup_read) FROM pg_stat_user_indexes i WHERE i.relid = t.relid), 0),
                   coalesce(s.heap_blks_read, 0) + coalesce(s.heap_blks_hit, 0) + coalesce(s.idx_blks_read, 0)
                     + coalesce(s.idx_blks_hit, 0) + coalesce(s.toast_blks_read, 0) + coalesce(s.toast_blks_hit, 0)
                     + coalesce(s.tidx_blks_read, 0) + coalesce(s.tidx_blks_hit, 0)
              FROM pg_stat_user_tables t JOIN pg_statio_user_tables s ON s.relid = t.relid
             WHERE t.schemaname = ANY (?)""";

    TableReads {
        tables = Map.copyOf(tables);
    }

    /** Rows and pages read from one table (or the difference of two snapshots). */
    record Counts(double rows, double pages) {
        static final Counts ZERO = new Counts(0, 0);

        Counts plus(Counts other) {
            return new Counts(rows + other.rows, pages + other.pages);
        }
    }

    /** Takes a snapshot of {@code schemas} on its own connection (every statement its own transaction). */
    static TableReads snapshot(String jdbcUrl, List<String> schemas) {
        Map<String, Counts> tables = new HashMap<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl); PreparedStatement ps = c.prepareStatement(SQL)) {
            ps.setArray(1, c.createArrayOf("text", schemas.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    tables.put(rs.getString(1), new Counts(rs.getDouble(2), rs.getDouble(3)));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reading pg_stat_user_tables failed: " + e.getMessage(), e);
        }
        return new TableReads(System.nanoTime(), tables);
    }

    /**
     * What was read since {@code before} from the tables {@code which} accepts, less what the same tables read in the
     * background ({@code idle}) over the same time; per table, never below zero.
     */
    Counts since(TableReads before, Background idle, Predicate<String> which) {
        double seconds = (at - before.at()) / 1e9;
        Counts sum = Counts.ZERO;
        for (var entry : tables.entrySet()) {
            if (!which.test(entry.getKey())) {
                continue;
            }
            Counts then = before.tables().getOrDefault(entry.getKey(), Counts.ZERO);
            Counts perSecond = idle.perSecond().getOrDefault(entry.getKey(), Counts.ZERO);
            double rows = entry.getValue().rows() - then.rows() - perSecond.rows() * seconds;
            double pages = entry.getValue().pages() - then.pages() - perSecond.pages() * seconds;
            sum = sum.plus(new Counts(Math.max(0, rows), Math.max(0, pages)));
        }
        return sum;
    }

    /** The read rates since {@code before}, taken as the background when no request was sent in between. */
    Background ratesSince(TableReads before) {
        double seconds = Math.max(1e-9, (at - before.at()) / 1e9);
        Map<String, Counts> rates = new HashMap<>();
        tables.forEach((table, now) -> {
            Counts then = before.tables().getOrDefault(table, Counts.ZERO);
            rates.put(table, new Counts((now.rows() - then.rows()) / seconds, (now.pages() - then.pages()) / seconds));
        });
        return new Background(rates);
    }

    /** Rows and pages per second each table reads with no request in flight (the API's own refreshes). */
    record Background(Map<String, Counts> perSecond) {
        static final Background NONE = new Background(Map.of());

        Background {
            perSecond = Map.copyOf(perSecond);
        }

        /** Tables that read anything, busiest first, as {@code table rows/s}. */
        String describe() {
            StringBuilder sb = new StringBuilder();
            perSecond.entrySet().stream().filter(e -> e.getValue().rows() > 0.05)
                    .sorted((a, b) -> Double.compare(b.getValue().rows(), a.getValue().rows()))
                    .forEach(e -> sb.append(sb.isEmpty() ? "" : ", ").append(e.getKey()).append(' ')
                            .append(Table.format(e.getValue().rows())).append(" rows/s"));
            return sb.isEmpty() ? "none" : sb.toString();
        }
    }
}
