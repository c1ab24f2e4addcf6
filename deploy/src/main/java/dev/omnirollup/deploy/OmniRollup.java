package dev.omnirollup.deploy;

import dev.omnirollup.store.Config;
import dev.omnirollup.store.RootCause;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/**
 * The launcher: {@code omni-rollup serve | ingest | all | backfill | verify | demo | config}. Errors are reported as
 * one line on stderr ({@code omni-rollup: <problem>. Fix: <fix>}) with a meaningful exit status; stack traces only
 * with {@code --verbose}.
 */
@Command(name = "omni-rollup", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = {"Omni's dashboard metrics from materialized rollups: an ingest daemon folds Omni's NATS "
                + "JetStream events into time-bucketed counters in PostgreSQL, a query API answers Omni's dashboard "
                + "endpoints from them, and backfill rebuilds them from Omni's tables.",
            "",
            "Configuration: a YAML file (--config) and OMNI_ROLLUP_<KEY> environment variables, which win. "
                    + "'omni-rollup config --table' lists every key."},
        subcommands = {RunCommand.Serve.class, RunCommand.Ingest.class, RunCommand.All.class, BackfillCommand.class,
            VerifyCommand.class, DemoCommand.class, ConfigCommand.class, CommandLine.HelpCommand.class},
        commandListHeading = "%nCommands:%n",
        footerHeading = "%n",
        footer = {"Quick start: ./omni-rollup demo   (embedded PostgreSQL, local NATS, simulated Omni traffic)",
            "Exit status: 0 ok, 1 failed, 2 invalid usage or configuration, 3 PostgreSQL/NATS/port unavailable, "
                    + "4 drift found (verify), 130 interrupted."})
public final class OmniRollup implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }

    public static void main(String[] args) {
        if (System.getProperty("java.util.logging.manager") == null) {
            System.setProperty("java.util.logging.manager", ShutdownSafeLogManager.class.getName());
        }
        Logging.install(false);
        int status;
        try {
            status = execute(args);
        } catch (Throwable e) {
            // an Error (missing class, out of memory) escapes picocli's handler: still one line, then the trace
            System.err.println("omni-rollup: internal error: " + e + ". Fix: rebuild the distribution "
                    + "(./mvnw -pl deploy -am package) or report it with the trace below");
            e.printStackTrace();
            status = Failure.FAILED;
        }
        System.exit(status);
    }

    /** Runs the command line and returns the exit status. */
    static int execute(String... args) {
        CommandLine cli = commandLine();
        return cli.execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new OmniRollup());
        cli.setExecutionExceptionHandler(OmniRollup::report);
        cli.setParameterExceptionHandler(OmniRollup::usageError);
        return cli;
    }

    private static int usageError(CommandLine.ParameterException e, String[] args) {
        PrintWriter err = e.getCommandLine().getErr();
        err.println("omni-rollup: " + e.getMessage());
        err.println("Try '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
        err.flush();
        return Failure.INVALID;
    }

    private static int report(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
        boolean verbose = cli.getCommand() instanceof UsesSharedOptions has && has.sharedOptions() != null && has.sharedOptions().verbose;
        PrintWriter err = cli.getErr();
        int status;
        String message;
        if (e instanceof Failure failure) {
            status = failure.exitCode();
            message = failure.getMessage();
        } else if (e instanceof Config.ConfigException) {
            status = Failure.INVALID;
            message = "configuration error: " + e.getMessage() + ". Fix: " + (e.getMessage().contains("does not exist")
                    ? "check the --config path" : "correct it in the YAML file or the environment "
                    + "('omni-rollup config --table' lists every key)");
        } else if (e instanceof InterruptedException) {
            status = Failure.INTERRUPTED;
            message = "interrupted";
        } else {
            status = Failure.FAILED;
            message = RootCause.message(e) + (verbose ? "" : " (run with --verbose for details)");
        }
        err.println("omni-rollup: " + message);
        if (verbose) {
            e.printStackTrace(err);
        }
        err.flush();
        return status;
    }
}
