package dev.omnirollup.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * What a process holds, counted from the outside so that counting changes nothing in it: live threads
 * ({@code /proc/<pid>/task}), open file descriptors including sockets ({@code /proc/<pid>/fd}), resident memory
 * ({@code VmRSS}), and the JVM heap in use read from its perf-data file with {@code jstat} (no attach, so no extra
 * thread appears in the target). Plus PostgreSQL sessions per {@code application_name}.
 */
final class ProcessGauges {
    private ProcessGauges() {
    }

    /**
     * One sample of a process.
     *
     * @param heapUsedBytes eden + survivors + old generation in use; -1 when jstat could not read it
     * @param oldUsedBytes  old generation in use; -1 when unknown
     */
    record Sample(long atMs, int threads, int fds, long rssBytes, long heapUsedBytes, long oldUsedBytes) {
        String line() {
            String base = String.format(Locale.ROOT, "threads=%d fds=%d rss=%.1fMB", threads, fds, rssBytes / 1048576.0);
            return heapUsedBytes < 0 ? base : base + String.format(Locale.ROOT, " heap=%.1fMB old=%.1fMB",
                    heapUsedBytes / 1048576.0, oldUsedBytes / 1048576.0);
        }
    }

    static Sample sample(long pid) {
        return sample(pid, true);
    }

    static Sample sample(long pid, boolean heap) {
        Path proc = Path.of("/proc", Long.toString(pid));
        int threads = count(proc.resolve("task"));
        int fds = count(proc.resolve("fd"));
        long rss = -1;
        try {
            for (String line : Files.readAllLines(proc.resolve("status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException e) {
            throw new AssertionError("process " + pid + " is gone", e);
        }
        long[] heapUse = heap ? jstat(pid) : new long[] {-1, -1};
        return new Sample(System.currentTimeMillis(), threads, fds, rss, heapUse[0], heapUse[1]);
    }

    private static int count(Path dir) {
        String[] entries = dir.toFile().list();
        if (entries == null) {
            throw new AssertionError(dir + " is not readable (process gone?)");
        }
        return entries.length;
    }

    /**
     * The old generation in use right after a full collection ({@code jcmd <pid> GC.run}, then {@code jstat}): what
     * the process really keeps, where a sample between collections also counts what G1 has promoted and not yet
     * reclaimed (with {@code -Xmx256m} it starts reclaiming old regions only near 45 % of the heap). The attach adds
     * a thread and a socket to the process, so take it after the samples that count those. -1 when unknown.
     */
    static long oldAfterFullGc(long pid) {
        return jdkTool("jcmd", Long.toString(pid), "GC.run").isPresent() ? jstat(pid)[1] : -1;
    }

    /** {heap used, old used} in bytes from {@code jstat -gc}, or -1s. */
    private static long[] jstat(long pid) {
        Optional<String> out = jdkTool("jstat", "-gc", Long.toString(pid));
        if (out.isEmpty()) {
            return new long[] {-1, -1};
        }
        try {
            List<String> lines = out.get().lines().filter(l -> !l.isBlank()).toList();
            if (lines.size() < 2) {
                return new long[] {-1, -1};
            }
            List<String> names = Arrays.asList(lines.get(0).trim().split("\\s+"));
            String[] values = lines.get(1).trim().split("\\s+");
            double used = 0;
            for (String column : List.of("S0U", "S1U", "EU", "OU")) {
                int i = names.indexOf(column);
                if (i < 0 || i >= values.length) {
                    return new long[] {-1, -1};
                }
                used += Double.parseDouble(values[i].replace(',', '.'));
            }
            double old = Double.parseDouble(values[names.indexOf("OU")].replace(',', '.'));
            return new long[] {(long) (used * 1024), (long) (old * 1024)};
        } catch (RuntimeException e) {
            return new long[] {-1, -1};
        }
    }

    /**
     * Runs a tool of the JDK running the tests ({@code jstat}, {@code jcmd}) and returns what it printed, or empty
     * when it is missing, fails or takes more than 60 s.
     */
    private static Optional<String> jdkTool(String tool, String... args) {
        Path path = Path.of(System.getProperty("java.home"), "bin", tool);
        if (!Files.isExecutable(path)) {
            return Optional.empty();
        }
        List<String> command = new ArrayList<>(List.of(path.toString()));
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                return Optional.empty();
            }
            return Optional.of(out);
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** PostgreSQL sessions on {@code database} per application name (the pools are named omni-rollup-&lt;command&gt;). */
    static Map<String, Integer> sessions(String serverJdbcUrl, String database) {
        try (Connection c = DriverManager.getConnection(serverJdbcUrl);
                PreparedStatement ps = c.prepareStatement("SELECT application_name, count(*) FROM pg_stat_activity "
                        + "WHERE datname = ? AND pid <> pg_backend_pid() GROUP BY 1 ORDER BY 1")) {
            ps.setString(1, database);
            Map<String, Integer> sessions = new TreeMap<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    sessions.put(rs.getString(1), rs.getInt(2));
                }
            }
            return sessions;
        } catch (SQLException e) {
            throw new AssertionError("reading pg_stat_activity failed: " + e.getMessage(), e);
        }
    }
}
