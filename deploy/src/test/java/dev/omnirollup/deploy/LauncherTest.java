package dev.omnirollup.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The launcher's command line and its one-line errors, in this JVM (the *IT tests run the real distribution). */
class LauncherTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @AfterEach
    void restoreEnvironment() {
        SharedOptions.environment = System.getenv();
    }

    private int run(Map<String, String> environment, String... args) {
        SharedOptions.environment = environment;
        CommandLine cli = OmniRollup.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void everyCommandHasHelpAndTheSharedOptions() {
        CommandLine cli = OmniRollup.commandLine();
        assertEquals(Set.of("serve", "ingest", "all", "backfill", "verify", "demo", "config", "help"),
                cli.getSubcommands().keySet());
        for (String name : List.of("serve", "ingest", "all", "backfill", "verify", "demo", "config")) {
            CommandLine sub = cli.getSubcommands().get(name);
            for (String option : List.of("--help", "--config", "--verbose")) {
                assertTrue(sub.getCommandSpec().findOption(option) != null, name + " lacks " + option);
            }
            CommandLine root = OmniRollup.commandLine();
            StringWriter help = new StringWriter();
            root.setOut(new PrintWriter(help, true));
            assertEquals(0, root.execute(name, "--help"), name + " --help");
            assertTrue(help.toString().startsWith("Usage: omni-rollup " + name), help.toString());
        }
        assertTrue(cli.getSubcommands().get("backfill").getCommandSpec().findOption("--dry-run") != null);
    }

    @Test
    void versionNamesTheBuild() {
        assertEquals(0, run(Map.of(), "--version"));
        assertTrue(out.toString().startsWith("omni-rollup " + Version.VALUE), out.toString());
        assertFalse(Version.VALUE.contains("${"), Version.VALUE);
    }

    @Test
    void unknownEnvironmentVariableIsOneLineNamingItAndTheFix() {
        int status = run(Map.of("OMNI_ROLLUP_DATABSE_URL", "postgres://x/y"), "serve");
        assertEquals(Failure.INVALID, status);
        assertOneLine("unknown environment variable OMNI_ROLLUP_DATABSE_URL (did you mean 'database-url'?)");
    }

    @Test
    void unknownYamlKeyIsOneLineNamingKeyAndFile(@TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("omni-rollup.yaml");
        Files.writeString(yaml, "database-url: postgres://u@127.0.0.1:5432/omni\nhttp-prot: 9000\n");
        assertEquals(Failure.INVALID, run(Map.of(), "all", "--config", yaml.toString()));
        assertOneLine("unknown configuration key 'http-prot' in " + yaml + " (did you mean 'http-port'?)");
    }

    @Test
    void badDatabaseUrlIsOneLine() {
        assertEquals(Failure.INVALID, run(Map.of("OMNI_ROLLUP_DATABASE_URL", "mysql://db/omni"), "ingest"));
        assertOneLine("database-url (from OMNI_ROLLUP_DATABASE_URL): 'mysql://db/omni' is not a");
    }

    @Test
    void missingDatabaseUrlSaysHowToSetIt() {
        assertEquals(Failure.INVALID, run(Map.of(), "serve"));
        assertOneLine("database-url is not set");
        assertTrue(err.toString().contains("OMNI_ROLLUP_DATABASE_URL="), err.toString());
    }

    @Test
    void unreachableDatabaseIsUnavailable() {
        assertEquals(Failure.UNAVAILABLE, run(Map.of("OMNI_ROLLUP_DATABASE_URL",
                "postgres://omni:secret@127.0.0.1:1/omni"), "backfill"));
        assertOneLine("PostgreSQL at jdbc:postgresql://127.0.0.1:1/omni?user=omni&password=*** does not answer");
        assertFalse(err.toString().contains("secret"), "the password is hidden");
    }

    @Test
    void invertedRangeIsInvalidBeforeTouchingTheDatabase() {
        assertEquals(Failure.INVALID, run(Map.of("OMNI_ROLLUP_DATABASE_URL", "postgres://u@127.0.0.1:1/omni"),
                "backfill", "--from", "2025-02-01", "--to", "2025-01-01"));
        assertOneLine("invalid range: --from 2025-02-01T00:00:00Z is not before --to 2025-01-01T00:00:00Z");
    }

    @Test
    void badTimeAndUnknownOptionAreUsageErrors() {
        assertEquals(Failure.INVALID, run(Map.of(), "backfill", "--from", "yesterday"));
        assertTrue(err.toString().contains("'yesterday' is not a UTC date"), err.toString());
        assertEquals(Failure.INVALID, run(Map.of(), "serve", "--port", "1"));
        assertTrue(err.toString().contains("Unknown option") && err.toString().contains("'--port'"), err.toString());
    }

    @Test
    void configCommandPrintsEveryKeyWithItsSource() {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream previous = System.out;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            assertEquals(0, run(Map.of("OMNI_ROLLUP_HTTP_PORT", "9999",
                    "OMNI_ROLLUP_DATABASE_URL", "postgres://u:pw@db:5432/omni"), "config"));
        } finally {
            System.setOut(previous);
        }
        String text = captured.toString(StandardCharsets.UTF_8);
        assertTrue(text.lines().anyMatch(l -> l.matches("http-port\\s+9999\\s+OMNI_ROLLUP_HTTP_PORT")), text);
        assertTrue(text.contains("password=***") && !text.contains("pw"), text);
        assertEquals(SharedOptions.SETTINGS.size(), text.lines().count(), text);
    }

    private void assertOneLine(String expected) {
        List<String> lines = err.toString().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), "one line: " + err);
        assertTrue(lines.get(0).startsWith("omni-rollup: "), lines.get(0));
        assertTrue(lines.get(0).contains(expected), lines.get(0));
        assertTrue(lines.get(0).contains("Fix: "), lines.get(0));
    }
}
