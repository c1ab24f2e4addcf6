package dev.omnirollup.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The machine's CPU time taken by the hypervisor for other guests ({@code steal} in {@code /proc/stat}), as a share
 * of all CPU time between two readings: on a shared virtual machine a batch can be slow because the host gave its
 * cores to someone else, which no process here shows. Empty where there is no {@code /proc/stat}.
 */
record CpuSteal(long steal, long total) {
    private static final Path STAT = Path.of("/proc/stat");

    static CpuSteal now() {
        try {
            String[] fields = Files.readAllLines(STAT).getFirst().trim().split("\\s+");
            long total = 0;
            // cpu user nice system idle iowait irq softirq steal [guest guest_nice: already in user and nice]
            for (int i = 1; i <= Math.min(8, fields.length - 1); i++) {
                total += Long.parseLong(fields[i]);
            }
            return new CpuSteal(fields.length > 8 ? Long.parseLong(fields[8]) : 0, total);
        } catch (IOException | RuntimeException e) {
            return new CpuSteal(0, 0);
        }
    }

    /** The share stolen since {@code before}, as {@code "2.3 %"}, or {@code "n/a"}. */
    String since(CpuSteal before) {
        long total = this.total - before.total;
        return total <= 0 ? "n/a" : String.format(Locale.ROOT, "%.1f %%", 100.0 * (steal - before.steal) / total);
    }
}
