package dev.omnirollup.deploy;

import dev.omnirollup.ingest.IngestSettings;
import dev.omnirollup.store.Backfill;
import dev.omnirollup.store.Config;
import dev.omnirollup.store.RollupDatabase;
import dev.omnirollup.store.RootCause;
import dev.omnirollup.store.StoreSettings;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code omni-rollup backfill}: rebuilds the rollups of Omni's rows before the cutover, one UTC day per transaction,
 * with progress on the terminal. Ctrl-C stops between days; finished days stay committed and a re-run completes
 * the job (re-running replaces what a run wrote, it never adds twice).
 */
@Command(name = "backfill", mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false,
        description = {"Rebuild the rollups from Omni's omni_events and automation_logs rows before the cutover "
                + "(the instant the ingest took over; recorded now if none is recorded yet).",
            "Idempotent: re-running replaces what earlier runs wrote. Runs while ingest and API run. "
                    + "One UTC day per transaction: Ctrl-C stops between days, and a re-run finishes the job.",
            "Needs database-url only (not NATS)."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:done", "1:failed while running", "2:invalid range or configuration",
            "3:PostgreSQL does not answer", "130:interrupted (Ctrl-C); finished days are committed"})
final class BackfillCommand implements Callable<Integer>, UsesSharedOptions {
    @Mixin
    SharedOptions sharedOptions;

    @Option(names = "--from", paramLabel = "<time>", converter = TimeConverter.class,
            description = "Start of the range (UTC), e.g. 2025-01-01 or 2025-01-01T00:00:00Z; widened to the start "
                    + "of its day. Default: the oldest row.")
    Instant from;

    @Option(names = "--to", paramLabel = "<time>", converter = TimeConverter.class,
            description = "End of the range (exclusive, UTC), widened to the end of its day and never past the "
                    + "cutover. Default: the cutover.")
    Instant to;

    @Option(names = "--dry-run", description = "Compute every day and roll it back: shows the work and its speed, "
            + "writes nothing (not even the cutover).")
    boolean dryRun;

    @Override
    public SharedOptions sharedOptions() {
        return sharedOptions;
    }

    @Override
    public Integer call() {
        PrintStream out = System.out;
        Config config = sharedOptions.start("backfill");
        requireFromBeforeTo(from, to);
        String url = Startup.requireDatabaseUrl(config, "backfill");
        InstantSource clock = InstantSource.system();
        try (RollupDatabase database = Startup.openDatabase(config, url, "omni-rollup-backfill", 2)) {
            Startup.migrate(database, config);
            Instant cutover = cutover(database, config, clock, out);
            Backfill backfill = new Backfill(database, clock, config.get(StoreSettings.MINUTE_RETENTION),
                    config.get(StoreSettings.BACKFILL_PARALLELISM), config.get(StoreSettings.BACKFILL_CUTOVER_SETTLE));
            Backfill.Plan plan;
            try {
                plan = backfill.plan(cutover, Optional.ofNullable(from), Optional.ofNullable(to));
            } catch (IllegalArgumentException e) {
                throw new Failure(Failure.INVALID, "invalid range: " + e.getMessage(),
                        "--from must be before --to and before the cutover " + cutover);
            }
            if (to != null && to.isAfter(cutover)) {
                out.println("note: --to " + to + " is after the cutover " + cutover
                        + "; events after the cutover are the ingest's, so the run stops there");
            }
            if (plan.days() == 0) {
                out.println("nothing to backfill: no day before the cutover " + cutover + " in the range");
                return 0;
            }
            out.printf(Locale.ROOT, "backfill%s: %,d days from %s to %s (cutover %s), about %,d rows in Omni's tables%n",
                    dryRun ? " (dry run)" : "", plan.days(), day(plan.firstDay()), day(plan.endDay()), cutover,
                    plan.estimatedRows());
            return run(backfill, plan, out);
        }
    }

    private int run(Backfill backfill, Backfill.Plan plan, PrintStream out) {
        BackfillProgress progress = new BackfillProgress(out, System.console() != null, System::nanoTime,
                Duration.ofSeconds(2), from == null && to == null);
        // a signal lets the day in hand commit
        try (GracefulStop stop = new GracefulStop("backfill-stop")) {
            List<Backfill.DayResult> done = backfill.run(plan, dryRun, stop::requested, progress);
            progress.finishLine();
            Duration elapsed = progress.elapsed();
            double rate = progress.rows() / Math.max(1e-9, elapsed.toNanos() / 1e9);
            String rows = String.format(Locale.ROOT, "%,d omni_events rows and %,d automation_logs rows in %s "
                            + "(%s rows/s)", progress.eventRows(), progress.automationRows(),
                    BackfillProgress.duration(elapsed), BackfillProgress.compact(rate));
            if (stop.requested() && done.size() < plan.days()) {
                out.printf(Locale.ROOT, "backfill interrupted after %,d of %,d days: %s.%n", done.size(), plan.days(),
                        rows);
                out.println(dryRun ? "dry run: nothing was written."
                        : "Every finished day is committed and the rollups are consistent; run the same command "
                                + "again to finish the job (it recomputes each day, nothing is counted twice).");
                return Failure.INTERRUPTED;
            }
            out.printf(Locale.ROOT, "backfill %s: %,d days, %s.%n", dryRun ? "dry run done (nothing written)"
                    : "done", done.size(), rows);
            return 0;
        } catch (RuntimeException e) {
            progress.finishLine();
            throw new Failure(Failure.FAILED, "backfill failed after " + progress.days() + " of " + plan.days()
                    + " days: " + RootCause.message(e), "finished days are committed; fix the cause and run the "
                    + "same command again", e);
        }
    }

    private Instant cutover(RollupDatabase database, Config config, InstantSource clock, PrintStream out) {
        Optional<Instant> recorded = database.cutover();
        if (recorded.isPresent()) {
            return recorded.get();
        }
        // a cutover in the past by the settle time: what Omni may still be storing is the ingest's, no wait needed
        Instant proposed = config.get(IngestSettings.CUTOVER)
                .orElse(clock.instant().minus(config.get(StoreSettings.BACKFILL_CUTOVER_SETTLE)));
        if (dryRun) {
            out.println("no cutover is recorded yet; the dry run plans up to " + proposed + " and records nothing");
            return proposed;
        }
        Instant cutover = database.ensureCutover(proposed);
        out.println("no cutover was recorded yet: recorded " + cutover + (config.get(IngestSettings.CUTOVER).isPresent()
                ? " (ingest-cutover)" : " (now minus backfill-cutover-settle)") + ". Rows before it are backfilled; "
                + "start the ingest soon (it counts events from the cutover, kept by the stream for its retention).");
        return cutover;
    }

    private static LocalDate day(long epochSecond) {
        return LocalDate.ofInstant(Instant.ofEpochSecond(epochSecond), ZoneOffset.UTC);
    }

    /** Fails when both {@code --from} and {@code --to} are given and {@code from} is not before {@code to}. */
    static void requireFromBeforeTo(Instant from, Instant to) {
        if (from != null && to != null && !from.isBefore(to)) {
            throw new Failure(Failure.INVALID, "invalid range: --from " + from + " is not before --to " + to,
                    "give a --from earlier than --to");
        }
    }

    /** {@code 2025-01-01} (UTC midnight) or an ISO-8601 instant. */
    static final class TimeConverter implements CommandLine.ITypeConverter<Instant> {
        @Override
        public Instant convert(String value) {
            try {
                if (value.length() == 10) {
                    return LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant();
                }
                return Instant.parse(value);
            } catch (DateTimeParseException e) {
                throw new CommandLine.TypeConversionException("'" + value
                        + "' is not a UTC date (2025-01-01) or instant (2025-01-01T00:00:00Z)");
            }
        }
    }
}
