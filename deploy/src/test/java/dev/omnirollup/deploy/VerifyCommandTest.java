package dev.omnirollup.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omnirollup.store.DayFigures;
import dev.omnirollup.store.Verify;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The verify command's lines and its usage errors, in this JVM ({@code VerifyIT} runs the distribution). */
class VerifyCommandTest {
    private static final long DAY = Instant.parse("2026-11-30T00:00:00Z").getEpochSecond();
    private final StringWriter err = new StringWriter();

    @AfterEach
    void restoreEnvironment() {
        SharedOptions.environment = System.getenv();
    }

    private int run(Map<String, String> environment, String... args) {
        SharedOptions.environment = environment;
        CommandLine cli = OmniRollup.commandLine();
        cli.setOut(new PrintWriter(new StringWriter(), true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void aDayIsOneLine() {
        DayFigures omni = new DayFigures(12_345, 4_482, 0, 0, 0, 0, DayFigures.Latencies.NONE, Map.of(), Map.of(),
                Map.of(), Map.of(), Map.of(), Map.of(), Optional.of(new DayFigures.Executions(210, 0, 0, 0, 0, 0, 0)));
        Verify.DayCheck ok = new Verify.DayCheck(DAY, Instant.ofEpochSecond(DAY + 86_400), Verify.Owner.BACKFILL,
                omni, omni, List.of());
        assertEquals("2026-11-30  ok  12 345 rows, 210 executions", VerifyCommand.line(ok, ""));
        Verify.DayCheck partial = new Verify.DayCheck(DAY, Instant.ofEpochSecond(DAY + 3_600), Verify.Owner.LIVE,
                omni, omni, List.of());
        assertEquals("2026-11-30  live  ok  12 345 rows, 210 executions (until 2026-11-30T01:00:00Z)",
                VerifyCommand.line(partial, "live"));
        Verify.DayCheck drift = new Verify.DayCheck(DAY, Instant.ofEpochSecond(DAY + 86_400), Verify.Owner.BACKFILL,
                omni, omni, List.of(new DayFigures.Difference("completed", 4_467, 4_482),
                        new DayFigures.Difference("errorStages[\"\"]", -1, 0)));
        assertEquals("2026-11-30  DRIFT  completed: rollups 4 467, Omni 4 482; errorStages[\"\"]: rollups -1, Omni 0",
                VerifyCommand.line(drift, ""));
        List<DayFigures.Difference> many = IntStream.range(0, 25)
                .mapToObj(i -> new DayFigures.Difference("f" + i, i, i + 1)).toList();
        String capped = VerifyCommand.line(new Verify.DayCheck(DAY, Instant.ofEpochSecond(DAY + 86_400),
                Verify.Owner.BACKFILL, omni, omni, many), "");
        assertTrue(capped.endsWith("; f19: rollups 19, Omni 20; and 5 more"), capped);
    }

    @Test
    void usageErrorsAreOneLine() {
        assertEquals(Failure.INVALID, run(Map.of(), "verify", "--instance", "nope"));
        assertTrue(err.toString().contains("'nope' is not an instance id"), err.toString());
        assertEquals(Failure.INVALID, run(Map.of(), "verify", "--settle", "soon"));
        assertTrue(err.toString().contains("'soon' is not a duration"), err.toString());
        assertEquals(Failure.INVALID, run(Map.of("OMNI_ROLLUP_DATABASE_URL", "postgres://u@127.0.0.1:1/omni"),
                "verify", "--settle", "2d"));
        assertTrue(err.toString().contains("'2d' is not a duration"), err.toString());
        assertEquals(Failure.INVALID, run(Map.of("OMNI_ROLLUP_DATABASE_URL", "postgres://u@127.0.0.1:1/omni"),
                "verify", "--settle", "25h"));
        assertTrue(err.toString().contains("--settle 25h is longer than 24h. Fix: "), err.toString());
        assertEquals(Failure.INVALID, run(Map.of("OMNI_ROLLUP_DATABASE_URL", "postgres://u@127.0.0.1:1/omni"),
                "verify", "--from", "2025-02-01", "--to", "2025-01-01"));
        assertTrue(err.toString().contains("invalid range: --from 2025-02-01T00:00:00Z is not before --to "
                + "2025-01-01T00:00:00Z. Fix: "), err.toString());
        assertEquals(Failure.INVALID, run(Map.of("OMNI_ROLLUP_DATABASE_URL", "postgres://u@127.0.0.1:1/omni"),
                "verify", "--parallelism", "0"));
        assertEquals(Failure.INVALID, run(Map.of(), "verify"));
        assertTrue(err.toString().contains("database-url is not set, and 'verify' needs"), err.toString());
    }

    @Test
    void anUnreachableDatabaseIsUnavailable() {
        assertEquals(Failure.UNAVAILABLE, run(Map.of("OMNI_ROLLUP_DATABASE_URL",
                "postgres://omni:secret@127.0.0.1:1/omni"), "verify"));
        List<String> lines = err.toString().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), err.toString());
        assertTrue(lines.get(0).startsWith("omni-rollup: PostgreSQL at ") && !lines.get(0).contains("secret"),
                lines.get(0));
    }
}
