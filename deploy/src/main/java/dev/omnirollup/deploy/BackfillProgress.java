package dev.omnirollup.deploy;

import dev.omnirollup.store.Backfill;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Terminal progress of a backfill: days, rows, rows/s and the estimated time left. On a terminal one line is
 * rewritten in place; otherwise (a log, a pipe) a line is printed at most every {@code interval}.
 *
 * <p>The time left comes from a least-squares fit of each day's duration to its row count ({@code seconds = a + b *
 * rows}: a fixed cost per day and a cost per row), applied to the days left and the rows left. The rows left are
 * the planner's estimate minus the rows done when the run covers everything before the cutover, and the rows per
 * day so far times the days left otherwise. Called on the backfill's thread only.
 */
final class BackfillProgress implements Backfill.Listener {
    private final PrintStream out;
    private final boolean terminal;
    private final LongSupplier nanoTime;
    private final long intervalNanos;
    private final boolean rowsEstimateApplies;
    private final long startNanos;
    private long lastPrintNanos;
    private long lastDayNanos;
    private double sumX;
    private double sumY;
    private double sumXX;
    private double sumXY;
    private long days;
    private long eventRows;
    private long automationRows;
    private boolean lineOpen;

    BackfillProgress(PrintStream out, boolean terminal, LongSupplier nanoTime, Duration interval,
                     boolean rowsEstimateApplies) {
        this.out = out;
        this.terminal = terminal;
        this.nanoTime = nanoTime;
        this.intervalNanos = interval.toNanos();
        this.rowsEstimateApplies = rowsEstimateApplies;
        this.startNanos = nanoTime.getAsLong();
        this.lastPrintNanos = startNanos;
        this.lastDayNanos = startNanos;
    }

    @Override
    public void waitingForCutoverSettle(Instant readableAt) {
        if (lineOpen) {
            out.println();
            lineOpen = false;
        }
        out.println("waiting until " + readableAt + " to read the day of the cutover (backfill-cutover-settle:"
                + " Omni may still be storing events stamped before the cutover)");
        lastDayNanos = nanoTime.getAsLong();
    }

    @Override
    public void dayDone(Backfill.Plan plan, Backfill.DayResult result) {
        days++;
        eventRows += result.eventRows();
        automationRows += result.automationRows();
        long now = nanoTime.getAsLong();
        double x = result.eventRows() + result.automationRows();
        double y = (now - lastDayNanos) / 1e9;
        lastDayNanos = now;
        sumX += x;
        sumY += y;
        sumXX += x * x;
        sumXY += x * y;
        boolean last = days >= plan.days();
        if (terminal || last || now - lastPrintNanos >= intervalNanos) {
            lastPrintNanos = now;
            String line = line(plan, result.day(), now);
            if (terminal) {
                out.print("\r" + line + "\u001b[K");
                lineOpen = true;
                if (last) {
                    finishLine();
                }
            } else {
                out.println(line);
            }
            out.flush();
        }
    }

    /** Ends the in-place line, before anything else is printed. */
    void finishLine() {
        if (lineOpen) {
            out.println();
            lineOpen = false;
        }
    }

    String line(Backfill.Plan plan, long day, long now) {
        double seconds = Math.max(1e-9, (now - startNanos) / 1e9);
        long rows = rows();
        double rate = rows / seconds;
        return String.format(Locale.ROOT, "backfill %s  day %,d/%,d  %,d rows  %s rows/s  %s left",
                LocalDate.ofInstant(Instant.ofEpochSecond(day), ZoneOffset.UTC), days, plan.days(), rows,
                compact(rate), eta(plan, seconds));
    }

    private String eta(Backfill.Plan plan, double seconds) {
        long daysLeft = Math.max(0, plan.days() - days);
        if (daysLeft == 0) {
            return "0s";
        }
        double rowsLeft = rowsEstimateApplies && plan.estimatedRows() > rows()
                ? plan.estimatedRows() - rows() : (double) rows() / days * daysLeft;
        double denominator = days * sumXX - sumX * sumX;
        double perRow = denominator > 0 ? Math.max(0, (days * sumXY - sumX * sumY) / denominator) : 0;
        double perDay = Math.max(0, (sumY - perRow * sumX) / days);
        if (perRow == 0 && perDay == 0) {
            perDay = seconds / days;
        }
        double left = perDay * daysLeft + perRow * rowsLeft;
        return duration(Duration.ofMillis((long) (left * 1000)));
    }

    long days() {
        return days;
    }

    long eventRows() {
        return eventRows;
    }

    long automationRows() {
        return automationRows;
    }

    long rows() {
        return eventRows + automationRows;
    }

    Duration elapsed() {
        return Duration.ofNanos(nanoTime.getAsLong() - startNanos);
    }

    /** 950, 12.3 k, 1.24 M. */
    static String compact(double value) {
        if (value >= 1e6) {
            return String.format(Locale.ROOT, "%.2f M", value / 1e6);
        }
        if (value >= 1e4) {
            return String.format(Locale.ROOT, "%.1f k", value / 1e3);
        }
        return String.format(Locale.ROOT, "%,d", Math.round(value));
    }

    /** 4s, 2m05s, 1h02m. */
    static String duration(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 60) {
            return d.toMillis() < 10_000 && d.toMillis() % 1000 != 0 && s < 10
                    ? String.format(Locale.ROOT, "%.1fs", d.toMillis() / 1000.0) : s + "s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
    }
}
