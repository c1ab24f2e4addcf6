package dev.omnirollup.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Reads CPU time and memory of processes from /proc (Linux), and a JVM's JIT compilations with the JDK's
 * {@code jstat}. Stateless.
 */
final class Procs {
    /** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux x86-64). */
    static final double TICKS = 100.0;

    private Procs() {
    }

    /** User + system CPU seconds of one process so far (its threads included); 0 when it is gone. */
    static double cpuSeconds(long pid) {
        return ticks(Path.of("/proc", Long.toString(pid), "stat")) / TICKS;
    }

    /** CPU seconds so far of every process whose command name is in {@code names} (and of its reaped children). */
    static Map<String, Double> cpuSecondsByName(Set<String> names) {
        Map<String, Double> sums = new HashMap<>();
        names.forEach(n -> sums.put(n, 0.0));
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString()
                .chars().allMatch(Character::isDigit))) {
            for (Path dir : dirs) {
                try {
                    String stat = Files.readString(dir.resolve("stat"));
                    String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    if (names.contains(comm)) {
                        // own time plus that of reaped children: PostgreSQL's postmaster reaps every backend, so
                        // the sum stays monotonic when backends exit
                        sums.merge(comm, (parseTicks(stat) + parseChildTicks(stat)) / TICKS, Double::sum);
                    }
                } catch (IOException | RuntimeException gone) {
                    // the process ended while we looked
                }
            }
        } catch (IOException e) {
            // no /proc: report zeros
        }
        return sums;
    }

    /**
     * How many methods the JIT of the JVM {@code pid} has compiled so far ({@code jstat -compiler}, from the JDK
     * running this benchmark), or empty when that cannot be read.
     */
    static OptionalLong jitCompiles(long pid) {
        Path jstat = Path.of(System.getProperty("java.home"), "bin", "jstat");
        try {
            Process p = new ProcessBuilder(jstat.toString(), "-compiler", Long.toString(pid))
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                return OptionalLong.empty();
            }
            String[] lines = out.strip().split("\\R");
            return OptionalLong.of(Long.parseLong(lines[lines.length - 1].strip().split("\\s+")[0]));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalLong.empty();
        }
    }

    /**
     * User + system CPU seconds so far of each live thread of {@code pid}, summed by the thread's kernel name (its
     * first 15 characters); threads that ended are not counted (empty when the process is gone).
     */
    static Map<String, Double> threadCpuSeconds(long pid) {
        Map<String, Double> sums = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    sums.merge(comm, parseTicks(stat) / TICKS, Double::sum);
                } catch (IOException | RuntimeException gone) {
                    // the thread ended while we looked
                }
            }
        } catch (IOException e) {
            // the process is gone
        }
        return sums;
    }

    /** The machine's CPU seconds so far, summed over its cores (/proc/stat). */
    record MachineCpu(double busy, double steal) {
        MachineCpu minus(MachineCpu before) {
            return new MachineCpu(busy - before.busy, steal - before.steal);
        }
    }

    /**
     * The machine's CPU so far: busy (user, nice, system, irq, softirq) and stolen by the hypervisor; zeros without
     * /proc.
     */
    static MachineCpu machineCpu() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/stat"))) {
                if (line.startsWith("cpu ")) {
                    String[] f = line.trim().split("\\s+");
                    long busy = Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3])
                            + Long.parseLong(f[6]) + Long.parseLong(f[7]);
                    return new MachineCpu(busy / TICKS, Long.parseLong(f[8]) / TICKS);
                }
            }
        } catch (IOException | RuntimeException e) {
            // no /proc
        }
        return new MachineCpu(0, 0);
    }

    /** {@code VmRSS} in KiB (0 when gone). */
    static long rssKb(long pid) {
        return status(pid, "VmRSS:");
    }

    /** {@code VmHWM} (peak RSS) in KiB (0 when gone). */
    static long peakRssKb(long pid) {
        return status(pid, "VmHWM:");
    }

    private static long status(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("\\D+", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone
        }
        return 0;
    }

    private static long ticks(Path stat) {
        try {
            return parseTicks(Files.readString(stat));
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** cutime + cstime: fields 16 and 17 (CPU of children waited for). */
    private static long parseChildTicks(String stat) {
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[13]) + Long.parseLong(fields[14]);
    }

    /** utime + stime: fields 14 and 15, counted after the parenthesised command name. */
    private static long parseTicks(String stat) {
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }
}
