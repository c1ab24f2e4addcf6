package dev.omnirollup.deploy;

import dev.omnirollup.store.Backfill;
import dev.omnirollup.store.Config;
import dev.omnirollup.store.DayFigures;
import dev.omnirollup.store.RollupDatabase;
import dev.omnirollup.store.RootCause;
import dev.omnirollup.store.StoreSettings;
import dev.omnirollup.store.Verify;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.function.LongSupplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code omni-rollup verify}: recomputes a range's figures from Omni's tables, a UTC day at a time, compares them with
 * the rollups and prints a line per day; exit status {@link #DRIFT} when a day differs. {@code --repair} re-runs
 * backfill for the differing days before the cutover and checks them again.
 */
@Command(name = "verify", mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false,
        description = {"Check the rollups against Omni's omni_events and automation_logs, a UTC day at a time: "
                + "totals, statuses, directions, channels, content types, error stages, event types, instances, "
                + "the hourly timeline and automation executions, as the dashboard endpoints show them.",
            "Online: plain reads, one day per statement, while ingest and API run. The last minute before now "
                    + "(--settle) is left out: the ingest may not have applied it yet.",
            "Prints a line per day ('ok' or 'DRIFT' with every figure that differs) and a summary. "
                    + "Needs database-url only (not NATS)."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:no drift (with --repair: none left after repairing)", "1:failed while running",
            "2:invalid range or configuration", "3:PostgreSQL does not answer",
            "4:drift: at least one day differs (with --repair: still differs afterwards)",
            "130:interrupted (Ctrl-C)"})
final class VerifyCommand implements Callable<Integer>, UsesSharedOptions {
    /** At least one day differs. */
    static final int DRIFT = 4;
    /** Differences printed per day; the rest are counted. */
    static final int SHOWN_DIFFERENCES = 20;

    @Mixin
    SharedOptions sharedOptions;

    @Option(names = "--from", paramLabel = "<time>", converter = BackfillCommand.TimeConverter.class,
            description = "Start of the range (UTC), e.g. 2025-01-01 or 2025-01-01T00:00:00Z; widened to the start "
                    + "of its day. Default: the oldest row of Omni's tables or of the rollups.")
    Instant from;

    @Option(names = "--to", paramLabel = "<time>", converter = BackfillCommand.TimeConverter.class,
            description = "End of the range (exclusive, UTC), widened to the end of its day and never later than "
                    + "now minus --settle. Default: now minus --settle.")
    Instant to;

    @Option(names = "--instance", paramLabel = "<uuid>", converter = UuidConverter.class,
            description = "Check one instance's message figures only (automation executions have no instance and "
                    + "are left out).")
    UUID instance;

    @Option(names = "--settle", paramLabel = "<duration>", converter = DurationConverter.class, defaultValue = "60s",
            description = "Leave out the events of this last stretch before now, floored to the minute, which the "
                    + "ingest may not have applied yet (default: ${DEFAULT-VALUE}, at most 24h).")
    Duration settle;

    @Option(names = "--parallelism", paramLabel = "<days>", defaultValue = "2",
            description = "Days checked at once, each on its own connection (default: ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(names = "--repair", description = "Re-backfill the differing days before the cutover (the cutover's "
            + "day up to the cutover) and check them again. Days after the cutover are the live ingest's and are "
            + "only reported.")
    boolean repair;

    @Override
    public SharedOptions sharedOptions() {
        return sharedOptions;
    }

    @Override
    public Integer call() {
        PrintStream out = System.out;
        Config config = sharedOptions.start("verify");
        BackfillCommand.requireFromBeforeTo(from, to);
        if (settle.compareTo(Verify.MAX_SETTLE) > 0) {
            throw new Failure(Failure.INVALID, "--settle " + settle.toHours() + "h is longer than "
                    + Verify.MAX_SETTLE.toHours() + "h", "give the ingest a few minutes at most; use --to for an "
                    + "earlier end");
        }
        if (parallelism < 1 || parallelism > 16) {
            throw new Failure(Failure.INVALID, "--parallelism " + parallelism + " is outside 1 .. 16",
                    "give a small number of days to check at once");
        }
        String url = Startup.requireDatabaseUrl(config, "verify");
        InstantSource clock = InstantSource.system();
        try (RollupDatabase database = Startup.openDatabase(config, url, "omni-rollup-verify", parallelism + 1)) {
            Startup.migrate(database, config);
            Verify verify = new Verify(database, clock, Duration.ofDays(8), parallelism);
            Optional<Instant> cutover = verify.cutover();
            if (repair && cutover.isEmpty()) {
                throw new Failure(Failure.INVALID, "--repair: no cutover is recorded, so nothing was backfilled or "
                        + "ingested yet", "run 'omni-rollup backfill' first (it records the cutover)");
            }
            Verify.Range range;
            try {
                range = verify.range(Optional.ofNullable(from), Optional.ofNullable(to), settle);
            } catch (IllegalArgumentException e) {
                throw new Failure(Failure.INVALID, "invalid range: " + e.getMessage(),
                        "--from must be before --to and before now minus --settle");
            }
            Optional<UUID> only = Optional.ofNullable(instance);
            out.printf(Locale.ROOT, "verify: %s from %s to %s (%s), %s%n", days(range.days()),
                    day(range.firstDay()), range.end(), cutover.map(c -> "cutover " + c)
                            .orElse("no cutover recorded: nothing was backfilled or ingested yet"),
                    only.map(i -> "instance " + i).orElse("all instances"));
            if (only.isPresent() && !verify.instanceExists(only.get())) {
                out.println("note: instance " + only.get() + " is not in Omni's instances table: Omni's rows no "
                        + "longer name it (ON DELETE SET NULL) and the API answers zeros for it, so both sides are 0");
            }
            if (range.days() == 0) {
                out.println("nothing to verify: the range holds no day");
                return 0;
            }
            return run(database, config, clock, verify, range, cutover, only, out);
        }
    }

    private int run(RollupDatabase database, Config config, InstantSource clock, Verify verify, Verify.Range range,
                    Optional<Instant> cutover, Optional<UUID> only, PrintStream out) {
        Progress progress = new Progress(out, System.console() != null, System::nanoTime, range.days());
        int checked = 0;
        // a signal lets the day in hand (a read, or a repair's backfill transaction) finish
        try (GracefulStop stop = new GracefulStop("verify-stop")) {
            List<Verify.DayCheck> checks = verify.run(range, only, stop::requested, (r, check) -> {
                progress.print(line(check, ""));
                progress.dayDone(check);
            });
            checked = checks.size();
            progress.finishLine();
            List<Verify.DayCheck> drifted = checks.stream().filter(c -> !c.ok()).toList();
            out.printf(Locale.ROOT, "verify %s: %s checked, %d with drift, %s rows and %s executions compared in %s.%n",
                    stop.requested() && checks.size() < range.days() ? "interrupted" : "done", days(checks.size()),
                    drifted.size(), number(progress.rows), number(progress.executions),
                    BackfillProgress.duration(progress.elapsed()));
            if (stop.requested() && checks.size() < range.days()) {
                out.printf(Locale.ROOT, "stopped after %d of %d days; nothing was changed.%n", checks.size(),
                        range.days());
                return Failure.INTERRUPTED;
            }
            if (drifted.isEmpty()) {
                return 0;
            }
            if (!repair) {
                advise(drifted, cutover, out);
                return DRIFT;
            }
            return repair(database, config, clock, verify, drifted, cutover.orElseThrow(), only, stop, out);
        } catch (RuntimeException e) {
            progress.finishLine();
            if (e instanceof Failure) {
                throw e;
            }
            throw new Failure(Failure.FAILED, "verify failed after " + Math.max(checked, progress.days) + " of "
                    + range.days() + " days: " + RootCause.message(e), "fix the cause and run the same command "
                    + "again (verify changes nothing; a repair's finished days are committed)", e);
        }
    }

    private int repair(RollupDatabase database, Config config, InstantSource clock, Verify verify,
                       List<Verify.DayCheck> drifted, Instant cutover, Optional<UUID> only, GracefulStop stop,
                       PrintStream out) {
        long rebuildable = drifted.stream().filter(c -> c.owner() != Verify.Owner.LIVE).count();
        boolean cutoverDay = drifted.stream().anyMatch(c -> c.owner() == Verify.Owner.CUTOVER);
        out.printf(Locale.ROOT, "repair: re-backfilling %s before the cutover %s%s, then checking %s again%n",
                days(rebuildable), cutover, cutoverDay ? " (its own day up to the cutover)" : "",
                rebuildable == 1 ? "it" : "them");
        Backfill backfill = new Backfill(database, clock, config.get(StoreSettings.MINUTE_RETENTION), 1,
                config.get(StoreSettings.BACKFILL_CUTOVER_SETTLE));
        List<Verify.Repair> repairs = verify.repair(drifted, backfill, cutover, only, stop::requested, r -> {
            if (r.backfilled()) {
                out.println(line(r.after().orElseThrow(), "re-backfilled"
                        + (r.before().owner() == Verify.Owner.CUTOVER ? " up to the cutover" : "")));
            } else {
                out.println(line(r.before(), "live"));
            }
        });
        long repaired = repairs.stream().filter(Verify.Repair::repaired).count();
        long stillDiffer = repairs.stream().filter(r -> r.backfilled() && !r.repaired()).count();
        long live = repairs.stream().filter(r -> !r.backfilled()).count();
        out.printf(Locale.ROOT, "repair %s: %d of %s before the cutover repaired, %d still %s, %s after the cutover "
                        + "not rebuilt.%n", repairs.size() < drifted.size() ? "interrupted" : "done", repaired,
                days(rebuildable), stillDiffer, stillDiffer == 1 ? "differs" : "differ", days(live));
        if (repairs.size() < drifted.size()) {
            out.println("stopped before every day was repaired; every finished day is committed. Run the same "
                    + "command again to finish.");
            return Failure.INTERRUPTED;
        }
        if (stillDiffer > 0) {
            out.println("A day that still differs after its re-backfill differs in what backfill does not recompute "
                    + "from Omni's rows as they are now: the live layer's share of the day (receipts after the cutover "
                    + "that changed its messages' status; on the cutover's day, the events after the cutover) or "
                    + "statuses pinned in rollup.seed_status when a receipt or an earlier backfill first read a row.");
        }
        if (live > 0) {
            adviseLive(out, live);
        }
        return repaired == repairs.size() ? 0 : DRIFT;
    }

    private static void advise(List<Verify.DayCheck> drifted, Optional<Instant> cutover, PrintStream out) {
        if (cutover.isEmpty()) {
            out.println("No cutover is recorded, so nothing was backfilled or ingested yet: run 'omni-rollup backfill' "
                    + "(it records the cutover) and start the ingest.");
            return;
        }
        long live = drifted.stream().filter(c -> c.owner() == Verify.Owner.LIVE).count();
        long rebuildable = drifted.size() - live;
        if (rebuildable > 0) {
            boolean cutoverDay = drifted.stream().anyMatch(c -> c.owner() == Verify.Owner.CUTOVER);
            out.printf(Locale.ROOT, "%s before the cutover %s can be rebuilt from Omni's tables%s: run the same "
                    + "command with --repair (it re-backfills exactly those days and checks them again).%n",
                    days(rebuildable), cutover.get(), cutoverDay ? " (the cutover's own day only up to the cutover; "
                            + "after it, the day is the live ingest's)" : "");
        }
        if (live > 0) {
            adviseLive(out, live);
        }
    }

    private static void adviseLive(PrintStream out, long live) {
        out.printf(Locale.ROOT, "%s at or after the cutover %s the live ingest's and cannot be rebuilt from Omni's "
                + "tables: the ingest counts exactly the events it received from NATS, so a difference there means "
                + "rows Omni stored that never came through NATS (published before the stream's retention, or not "
                + "at all), events the ingest set aside as poison (rollup.rejects), or an ingest defect; the "
                + "ingest's log and metrics tell which.%n", days(live), live == 1 ? "is" : "are");
    }

    /**
     * {@code 2026-11-29  ok  12 345 rows, 210 executions} or {@code 2026-11-30  DRIFT  field: rollups X, Omni Y; …},
     * with {@code action} after the date when not empty.
     */
    static String line(Verify.DayCheck check, String action) {
        StringBuilder line = new StringBuilder(check.date().toString()).append("  ");
        if (!action.isEmpty()) {
            line.append(action).append("  ");
        }
        if (check.ok()) {
            line.append("ok  ").append(number(check.omni().total())).append(" rows");
            check.omni().executions().ifPresent(e -> line.append(", ").append(number(e.executions()))
                    .append(" executions"));
            if (!check.wholeDay()) {
                line.append(" (until ").append(check.end()).append(')');
            }
            return line.toString();
        }
        line.append("DRIFT  ");
        List<String> shown = new ArrayList<>();
        for (DayFigures.Difference d : check.differences()) {
            if (shown.size() == SHOWN_DIFFERENCES) {
                shown.add("and " + (check.differences().size() - SHOWN_DIFFERENCES) + " more");
                break;
            }
            shown.add(d.field() + ": rollups " + number(d.rollups()) + ", Omni " + number(d.omni()));
        }
        return line.append(String.join("; ", shown)).toString();
    }

    /** 12 345: digits grouped by spaces, so that figures never contain the separators of a line. */
    static String number(long n) {
        return String.format(Locale.ROOT, "%,d", n).replace(',', ' ');
    }

    private static String days(long n) {
        return n + (n == 1 ? " day" : " days");
    }

    private static LocalDate day(long epochSecond) {
        return LocalDate.ofInstant(Instant.ofEpochSecond(epochSecond), ZoneOffset.UTC);
    }

    /**
     * The day lines, and on a terminal an in-place line under them: days done, rows compared, time left (days left
     * times the mean time per day so far).
     */
    static final class Progress {
        private final PrintStream out;
        private final boolean terminal;
        private final LongSupplier nanoTime;
        private final long totalDays;
        private final long startNanos;
        private boolean lineOpen;
        long days;
        long rows;
        long executions;

        Progress(PrintStream out, boolean terminal, LongSupplier nanoTime, long totalDays) {
            this.out = out;
            this.terminal = terminal;
            this.nanoTime = nanoTime;
            this.totalDays = totalDays;
            this.startNanos = nanoTime.getAsLong();
        }

        void print(String line) {
            if (lineOpen) {
                out.print("\r\u001b[K");
                lineOpen = false;
            }
            out.println(line);
        }

        void dayDone(Verify.DayCheck check) {
            days++;
            rows += check.omni().total();
            executions += check.omni().executions().map(DayFigures.Executions::executions).orElse(0L);
            if (terminal && days < totalDays) {
                double perDay = (nanoTime.getAsLong() - startNanos) / 1e9 / days;
                out.printf(Locale.ROOT, "verify  day %d/%d  %s rows  %s left", days, totalDays, number(rows),
                        BackfillProgress.duration(Duration.ofMillis((long) (perDay * (totalDays - days) * 1000))));
                lineOpen = true;
            }
            out.flush();
        }

        void finishLine() {
            if (lineOpen) {
                out.print("\r\u001b[K");
                lineOpen = false;
            }
        }

        Duration elapsed() {
            return Duration.ofNanos(nanoTime.getAsLong() - startNanos);
        }
    }

    /** A UUID, with a one-line error otherwise. */
    static final class UuidConverter implements CommandLine.ITypeConverter<UUID> {
        @Override
        public UUID convert(String value) {
            try {
                UUID parsed = UUID.fromString(value);
                if (!parsed.toString().equalsIgnoreCase(value)) {
                    throw new IllegalArgumentException(value);
                }
                return parsed;
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not an instance id (a UUID)");
            }
        }
    }

    /** {@code 60s}, {@code 5m}, {@code 250ms}, {@code 1h} or ISO-8601 ({@code PT1M}); not negative. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            String text = value.trim().toLowerCase(Locale.ROOT);
            try {
                Duration parsed;
                if (text.startsWith("p")) {
                    parsed = Duration.parse(text.toUpperCase(Locale.ROOT));
                } else {
                    int split = 0;
                    while (split < text.length() && Character.isDigit(text.charAt(split))) {
                        split++;
                    }
                    long amount = Long.parseLong(text.substring(0, split));
                    parsed = switch (text.substring(split)) {
                        case "ms" -> Duration.ofMillis(amount);
                        case "s" -> Duration.ofSeconds(amount);
                        case "m" -> Duration.ofMinutes(amount);
                        case "h" -> Duration.ofHours(amount);
                        default -> throw new IllegalArgumentException("bad unit");
                    };
                }
                if (parsed.isNegative()) {
                    throw new IllegalArgumentException("negative");
                }
                return parsed;
            } catch (RuntimeException e) {
                throw new CommandLine.TypeConversionException("'" + value
                        + "' is not a duration (e.g. 60s, 5m, 250ms, PT1M)");
            }
        }
    }
}
