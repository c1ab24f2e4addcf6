package dev.omnirollup.bench;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;

/**
 * The machine a run happened on, as docs/benchmarks.md states it: CPUs, memory, CPU model, JVM, PostgreSQL and NATS
 * versions, and the load average. Immutable.
 */
record Machine(int cpus, long memoryMb, String cpuModel, String java, String postgres, String nats,
               String loadAtStart) {

    static Machine describe() {
        return new Machine(Runtime.getRuntime().availableProcessors(), readMemoryMb(), readCpuModel(),
                System.getProperty("java.vm.vendor", "?") + " " + System.getProperty("java.runtime.version", "?"),
                postgresVersion(), natsVersion(), loadAverage());
    }

    String oneLine() {
        return String.format(Locale.ROOT, "%d CPUs (%s), %.1f GB RAM, Java %s, %s, NATS %s; load average at start %s",
                cpus, cpuModel, memoryMb / 1024.0, java, postgres, nats, loadAtStart);
    }

    /** The 1, 5 and 15 minute load averages from /proc/loadavg. */
    static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    private static long readMemoryMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("\\D+", "")) / 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return Runtime.getRuntime().maxMemory() / (1024 * 1024);
    }

    private static String readCpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return "unknown CPU";
    }

    private static String postgresVersion() {
        try (var c = DriverManager.getConnection(BenchServers.postgresServer());
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SHOW server_version")) {
            rs.next();
            return "PostgreSQL " + rs.getString(1).split(" ")[0];
        } catch (SQLException e) {
            return "PostgreSQL unreachable (" + e.getMessage() + ")";
        }
    }

    private static String natsVersion() {
        try {
            Connection nats = Nats.connect(Options.builder().server(BenchServers.natsUrl())
                    .connectionTimeout(Duration.ofSeconds(3)).build());
            try {
                return nats.getServerInfo().getVersion() + " (JetStream " + nats.getServerInfo().isJetStreamAvailable()
                        + ")";
            } finally {
                nats.close();
            }
        } catch (IOException e) {
            return "unreachable (" + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "?";
        }
    }
}
