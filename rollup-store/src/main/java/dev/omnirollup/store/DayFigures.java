package dev.omnirollup.store;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The figures of one span of time (a UTC day, or the part of it before the verify range ends), as the dashboard
 * endpoints would show them: the counters, every breakdown, the per-instance map, the hourly timeline and the
 * automation executions. {@link Verify} fills one from the rollups and one from Omni's tables and
 * {@link #differences} compares them. Immutable; entries with a count of 0 are dropped, so an absent key and a zero
 * are the same figure.
 *
 * @param hours      rows per hour, keyed by the hour's epoch second
 * @param executions automation executions, empty when not compared (a check restricted to one instance: Omni's
 *                   {@code automation_logs} rows have no instance)
 */
public record DayFigures(long total, long completed, long failed, long pending, long inbound, long outbound,
                         Latencies latencies, Map<String, Long> channels, Map<String, Long> contentTypes,
                         Map<String, Long> errorStages, Map<String, Long> eventTypes, Map<UUID, Long> instances,
                         Map<Long, Long> hours, Optional<Executions> executions) {

    public DayFigures {
        channels = nonZero(channels);
        contentTypes = nonZero(contentTypes);
        errorStages = nonZero(errorStages);
        eventTypes = nonZero(eventTypes);
        instances = nonZero(instances);
        hours = nonZero(hours);
    }

    /** Sums and counts of {@code processing_time_ms} and {@code agent_latency_ms} (what the averages come from). */
    public record Latencies(long processingSum, long processingCount, long agentSum, long agentCount) {
        public static final Latencies NONE = new Latencies(0, 0, 0, 0);
    }

    /** Automation executions ({@code automation_logs} rows) by status, actions run and execution times. */
    public record Executions(long executions, long success, long failed, long skipped, long actions,
                             long executionTimeSum, long executionTimeCount) {
        public static final Executions NONE = new Executions(0, 0, 0, 0, 0, 0, 0);
    }

    /** One figure the two sides disagree on. */
    public record Difference(String field, long rollups, long omni) {
        @Override
        public String toString() {
            return field + ": rollups " + rollups + ", Omni " + omni;
        }
    }

    /** Nothing counted; the executions are compared ({@code Executions.NONE}) or not (empty). */
    public static DayFigures empty(Optional<Executions> executions) {
        return new DayFigures(0, 0, 0, 0, 0, 0, Latencies.NONE, Map.of(), Map.of(), Map.of(), Map.of(), Map.of(),
                Map.of(), executions);
    }

    /** The same figures with only the instances in {@code existing} in the per-instance map. */
    public DayFigures onlyInstances(Set<UUID> existing) {
        Map<UUID, Long> kept = instances.entrySet().stream().filter(e -> existing.contains(e.getKey()))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        return new DayFigures(total, completed, failed, pending, inbound, outbound, latencies, channels, contentTypes,
                errorStages, eventTypes, kept, hours, executions);
    }

    /**
     * Every figure that differs, in a fixed order: the counters, the latency sums and counts (only when
     * {@code withLatencies}), the breakdowns key by key (keys sorted), the instances, the hours, the executions
     * (only when both sides have them). Pure.
     */
    public static List<Difference> differences(DayFigures rollups, DayFigures omni, boolean withLatencies) {
        List<Difference> all = new ArrayList<>();
        counter(all, "total", rollups.total, omni.total);
        counter(all, "completed", rollups.completed, omni.completed);
        counter(all, "failed", rollups.failed, omni.failed);
        counter(all, "pending", rollups.pending, omni.pending);
        counter(all, "inbound", rollups.inbound, omni.inbound);
        counter(all, "outbound", rollups.outbound, omni.outbound);
        if (withLatencies) {
            counter(all, "processingTimeSum", rollups.latencies.processingSum(), omni.latencies.processingSum());
            counter(all, "processingTimeCount", rollups.latencies.processingCount(), omni.latencies.processingCount());
            counter(all, "agentLatencySum", rollups.latencies.agentSum(), omni.latencies.agentSum());
            counter(all, "agentLatencyCount", rollups.latencies.agentCount(), omni.latencies.agentCount());
        }
        map(all, "channels", rollups.channels, omni.channels, DayFigures::key);
        map(all, "contentTypes", rollups.contentTypes, omni.contentTypes, DayFigures::key);
        map(all, "errorStages", rollups.errorStages, omni.errorStages, DayFigures::key);
        map(all, "eventTypes", rollups.eventTypes, omni.eventTypes, DayFigures::key);
        map(all, "instances", rollups.instances, omni.instances, UUID::toString);
        map(all, "hours", rollups.hours, omni.hours, hour -> Instant.ofEpochSecond(hour).toString());
        if (rollups.executions.isPresent() && omni.executions.isPresent()) {
            Executions r = rollups.executions.get();
            Executions o = omni.executions.get();
            counter(all, "automations.executions", r.executions(), o.executions());
            counter(all, "automations.success", r.success(), o.success());
            counter(all, "automations.failed", r.failed(), o.failed());
            counter(all, "automations.skipped", r.skipped(), o.skipped());
            counter(all, "automations.actions", r.actions(), o.actions());
            counter(all, "automations.executionTimeSum", r.executionTimeSum(), o.executionTimeSum());
            counter(all, "automations.executionTimeCount", r.executionTimeCount(), o.executionTimeCount());
        }
        return List.copyOf(all);
    }

    private static final Pattern PLAIN_KEY = Pattern.compile("[A-Za-z0-9_.:/+-]+");

    /** A breakdown key as printed in a field name: bare when plain, else a JSON string ({@code ""} for empty). */
    static String key(String key) {
        if (PLAIN_KEY.matcher(key).matches()) {
            return key;
        }
        StringBuilder quoted = new StringBuilder("\"");
        for (char ch : key.toCharArray()) {
            switch (ch) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                default -> {
                    if (ch < 0x20) {
                        quoted.append(String.format("\\u%04x", (int) ch));
                    } else {
                        quoted.append(ch);
                    }
                }
            }
        }
        return quoted.append('"').toString();
    }

    private static void counter(List<Difference> all, String field, long rollups, long omni) {
        if (rollups != omni) {
            all.add(new Difference(field, rollups, omni));
        }
    }

    private static <K extends Comparable<K>> void map(List<Difference> all, String field, Map<K, Long> rollups,
                                                      Map<K, Long> omni, Function<K, String> name) {
        TreeSet<K> keys = new TreeSet<>(rollups.keySet());
        keys.addAll(omni.keySet());
        for (K key : keys) {
            counter(all, field + "[" + name.apply(key) + "]", rollups.getOrDefault(key, 0L),
                    omni.getOrDefault(key, 0L));
        }
    }

    private static <K> Map<K, Long> nonZero(Map<K, Long> map) {
        Map<K, Long> kept = new TreeMap<>();
        map.forEach((key, n) -> {
            if (n != 0) {
                kept.put(key, n);
            }
        });
        return Collections.unmodifiableMap(kept);
    }
}
