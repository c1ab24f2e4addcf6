package dev.omnirollup.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Summarises a JFR recording's CPU samples ({@code jdk.ExecutionSample}): the hottest methods by self time, by
 * inclusive time, and the first omni-rollup frame under each sample (which of our code the time is spent below).
 *
 * <p>Run: {@code benchmarks/run jfr-top <file.jfr> [top]}.
 */
final class JfrTop {
    private JfrTop() {
    }

    static void main(String... args) throws IOException {
        if (args.length < 1) {
            throw new IllegalArgumentException("usage: benchmarks/run jfr-top <file.jfr> [top]");
        }
        int top = args.length > 1 ? Integer.parseInt(args[1]) : 25;
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> inclusive = new HashMap<>();
        Map<String, Integer> ours = new HashMap<>();
        Map<String, Integer> threads = new HashMap<>();
        int samples = 0;
        for (RecordedEvent event : RecordingFile.readAllEvents(Path.of(args[0]))) {
            if (!event.getEventType().getName().equals("jdk.ExecutionSample")) {
                continue;
            }
            RecordedStackTrace stack = event.getStackTrace();
            if (stack == null || stack.getFrames().isEmpty()) {
                continue;
            }
            samples++;
            List<RecordedFrame> frames = stack.getFrames();
            self.merge(name(frames.get(0)), 1, Integer::sum);
            Set<String> seen = new HashSet<>();
            String firstOurs = null;
            for (RecordedFrame frame : frames) {
                String name = name(frame);
                if (seen.add(name)) {
                    inclusive.merge(name, 1, Integer::sum);
                }
                if (firstOurs == null && name.startsWith("dev.omnirollup.")) {
                    firstOurs = name;
                }
            }
            ours.merge(firstOurs == null ? "(no omni-rollup frame)" : firstOurs, 1, Integer::sum);
            var thread = event.getThread("sampledThread");
            threads.merge(thread == null ? "?" : thread.getJavaName(), 1, Integer::sum);
        }
        System.out.println(samples + " CPU samples in " + args[0]);
        print("threads", threads, samples, top);
        print("self time (top frame)", self, samples, top);
        print("inclusive time", inclusive, samples, top);
        print("first omni-rollup frame below the sample", ours, samples, top);
    }

    private static String name(RecordedFrame frame) {
        return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
    }

    private static void print(String title, Map<String, Integer> counts, int samples, int top) {
        System.out.println("\n== " + title + " ==");
        counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(top)
                .forEach(e -> System.out.printf(Locale.ROOT, "%6.1f%%  %6d  %s%n",
                        100.0 * e.getValue() / samples, e.getValue(), e.getKey()));
    }
}
