package dev.omnirollup.store;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The changes one write makes to the rollup rows of one layer, pre-aggregated so that every row is written once
 * however many events touched it: message counters and breakdowns, and automation counters. Rows of events are
 * collected per minute and instance and spread over every grain and both scopes when the changes are read. The
 * mutable accumulator behind the immutable {@link MessageCounts} and {@link AutomationCounts}. Not thread-safe;
 * one per batch.
 */
final class RollupChanges {
    private static final Grain[] GRAINS = Grain.values();

    /** A message row's changes: counters and the breakdowns {@code dims} adds. */
    record MessageRowChange(RollupKey key, MessageCounts counts, SortedDims breakdowns) {
        /** The breakdowns as the JSON object {@code dims} adds ({@code {}} if none). */
        String breakdownsJson() {
            return breakdowns.json();
        }
    }

    /** An automation row's changes. */
    record AutomationRowChange(RollupKey key, AutomationCounts counts) {
    }

    /** Every non-zero change, for tests: counters and breakdowns per row. */
    record Snapshot(Map<RollupKey, MessageCounts> messages, Map<RollupKey, Map<String, Long>> breakdowns,
                    Map<RollupKey, AutomationCounts> automations) {
        /** One counter of the all-instances running total. */
        long total(MessageCounter counter) {
            MessageCounts counts = messages.get(RollupKey.everyone(Grain.TOTAL, 0));
            return counts == null ? 0 : counts.get(counter);
        }

        /** One breakdown of the all-instances running total. */
        long total(Dim dim, String key) {
            return breakdowns.getOrDefault(RollupKey.everyone(Grain.TOTAL, 0), Map.of()).getOrDefault(dim.mapKey(key), 0L);
        }
    }

    /** The changes to one message row; mutable. */
    private static final class Row {
        final long[] counters = new long[MessageCounter.COUNT];
        Map<String, long[]> breakdowns;

        void add(MessageCounter counter, long n) {
            counters[counter.ordinal()] += n;
        }

        void breakdown(String mapKey, long n) {
            if (breakdowns == null) {
                breakdowns = new HashMap<>(8);
            }
            breakdowns.computeIfAbsent(mapKey, k -> new long[1])[0] += n;
        }

        void addAll(Row other) {
            for (int i = 0; i < counters.length; i++) {
                counters[i] += other.counters[i];
            }
            if (other.breakdowns != null) {
                other.breakdowns.forEach((key, n) -> breakdown(key, n[0]));
            }
        }

        /** The non-zero breakdowns. */
        SortedDims nonZeroBreakdowns() {
            if (breakdowns == null) {
                return SortedDims.NONE;
            }
            String[] keys = breakdowns.entrySet().stream().filter(entry -> entry.getValue()[0] != 0)
                    .map(Map.Entry::getKey).sorted().toArray(String[]::new);
            long[] counts = new long[keys.length];
            for (int i = 0; i < keys.length; i++) {
                counts[i] = breakdowns.get(keys[i])[0];
            }
            return SortedDims.ofSorted(keys, counts);
        }

        boolean isZero() {
            for (long counter : counters) {
                if (counter != 0) {
                    return false;
                }
            }
            return breakdowns == null || breakdowns.values().stream().allMatch(n -> n[0] == 0);
        }
    }

    /** The finest key events are collected under: a minute and an instance (null when the events have none). */
    private record MinuteOfInstance(long minute, UUID instanceId) {
    }

    private final long minuteFloor;
    private final Map<MinuteOfInstance, Row> byMinute = new HashMap<>();
    private final Map<RollupKey, Row> messageRows = new HashMap<>();
    private final Map<RollupKey, AutomationCounts> automationRows = new HashMap<>();

    /**
     * @param minuteFloor minute buckets before this epoch second are left out: they are past the minute retention and
     *                    pruned, and reads never use them
     */
    RollupChanges(long minuteFloor) {
        this.minuteFloor = minuteFloor;
    }

    /** Adds (or, with negative {@code n}, removes) {@code n} rows shaped like {@code rows}. */
    void addRows(RowGroup rows, long n) {
        if (n == 0) {
            return;
        }
        Row row = byMinute.computeIfAbsent(new MinuteOfInstance(Grain.MINUTE.bucketOf(rows.epochSecond()),
                rows.instanceId()), k -> new Row());
        row.add(MessageCounter.TOTAL, n);
        MessageCounter.ofStatus(rows.status()).ifPresent(counter -> row.add(counter, n));
        MessageCounter.ofDirection(rows.direction()).ifPresent(counter -> row.add(counter, n));
        if (rows.procBin() != null) {
            row.add(MessageCounter.PROC_SUM, Long.signum(n) * rows.procSum());
            row.add(MessageCounter.PROC_COUNT, n);
            row.breakdown(Dim.PROCESSING_BIN.mapKey(Long.toString(rows.procBin())), n);
        }
        if (rows.agentBin() != null) {
            row.add(MessageCounter.AGENT_SUM, Long.signum(n) * rows.agentSum());
            row.add(MessageCounter.AGENT_COUNT, n);
            row.breakdown(Dim.AGENT_BIN.mapKey(Long.toString(rows.agentBin())), n);
        }
        row.breakdown(Dim.CHANNEL.mapKey(rows.channel()), n);
        row.breakdown(Dim.EVENT_TYPE.mapKey(rows.eventType()), n);
        if (rows.contentType() != null) {
            row.breakdown(Dim.CONTENT_TYPE.mapKey(rows.contentType()), n);
        }
        if (rows.errorStage() != null) {
            row.breakdown(Dim.ERROR_STAGE.mapKey(rows.errorStage()), n);
        }
    }

    /** Moves {@code n} rows of one minute and instance from status {@code from} to {@code to}. */
    void moveStatus(long epochSecond, UUID instanceId, String from, String to, long n) {
        if (n == 0 || from.equals(to)) {
            return;
        }
        Row row = byMinute.computeIfAbsent(new MinuteOfInstance(Grain.MINUTE.bucketOf(epochSecond), instanceId),
                k -> new Row());
        MessageCounter.ofStatus(from).ifPresent(counter -> row.add(counter, -n));
        MessageCounter.ofStatus(to).ifPresent(counter -> row.add(counter, n));
    }

    /** Adds executions of one automation at {@code epochSecond}, to its own rows and to the rows of every one. */
    void addExecutions(long epochSecond, UUID automationId, AutomationCounts counts) {
        // GRAINS starts with the minute, skipped before the minute floor by where the loop starts: a branch would be
        // one the JIT's profile never saw taken until a backfill reaches the minute retention (finding B10)
        long minute = Grain.MINUTE.bucketOf(epochSecond);
        int first = (int) Math.min(Math.max(minuteFloor, minute) - minute, 1); // 1 before the floor, else 0
        for (int g = first; g < GRAINS.length; g++) {
            Grain grain = GRAINS[g];
            long bucket = grain.bucketOf(epochSecond);
            add(RollupKey.everyone(grain, bucket), counts);
            add(RollupKey.of(grain, automationId, bucket), counts);
        }
    }

    /** Adds counters and breakdowns ({@code "<prefix>:<key>"} to count) to one message row. */
    void add(RollupKey key, MessageCounts counts, Map<String, Long> breakdowns) {
        Row row = row(key);
        long[] values = counts.toArray();
        for (int i = 0; i < values.length; i++) {
            row.counters[i] += values[i];
        }
        breakdowns.forEach(row::breakdown);
    }

    /** Adds counters to one automation row. */
    void add(RollupKey key, AutomationCounts counts) {
        automationRows.merge(key, counts, AutomationCounts::plus);
    }

    /** Adds every change of {@code other} to these. */
    void addAll(RollupChanges other) {
        other.byMinute.forEach((key, theirs) -> byMinute.computeIfAbsent(key, k -> new Row()).addAll(theirs));
        other.messageRows.forEach((key, theirs) -> row(key).addAll(theirs));
        other.automationRows.forEach(this::add);
    }

    /** The message rows of one grain that change, in lock order. */
    List<MessageRowChange> messageRows(Grain grain) {
        spread();
        List<MessageRowChange> rows = new ArrayList<>();
        messageRows.forEach((key, row) -> {
            if (key.grain() == grain && !row.isZero()) {
                rows.add(new MessageRowChange(key, MessageCounts.of(row.counters), row.nonZeroBreakdowns()));
            }
        });
        rows.sort(Comparator.comparing(MessageRowChange::key, RollupKey.LOCK_ORDER));
        return rows;
    }

    /** The automation rows of one grain that change, in lock order. */
    List<AutomationRowChange> automationRows(Grain grain) {
        List<AutomationRowChange> rows = new ArrayList<>();
        automationRows.forEach((key, counts) -> {
            if (key.grain() == grain && !counts.isZero()) {
                rows.add(new AutomationRowChange(key, counts));
            }
        });
        rows.sort(Comparator.comparing(AutomationRowChange::key, RollupKey.LOCK_ORDER));
        return rows;
    }

    boolean isEmpty() {
        spread();
        return messageRows.values().stream().allMatch(Row::isZero)
                && automationRows.values().stream().allMatch(AutomationCounts::isZero);
    }

    Snapshot snapshot() {
        spread();
        Map<RollupKey, MessageCounts> messages = new HashMap<>();
        Map<RollupKey, Map<String, Long>> breakdowns = new HashMap<>();
        messageRows.forEach((key, row) -> {
            MessageCounts counts = MessageCounts.of(row.counters);
            if (!counts.isZero()) {
                messages.put(key, counts);
            }
            SortedDims nonZero = row.nonZeroBreakdowns();
            if (!nonZero.isEmpty()) {
                breakdowns.put(key, nonZero.toMap());
            }
        });
        Map<RollupKey, AutomationCounts> automations = new HashMap<>();
        automationRows.forEach((key, counts) -> {
            if (!counts.isZero()) {
                automations.put(key, counts);
            }
        });
        return new Snapshot(messages, breakdowns, automations);
    }

    /**
     * Spreads what was collected per minute and instance over every grain and both scopes; the all-instances rows
     * also carry each instance's total as a breakdown.
     */
    private void spread() {
        if (byMinute.isEmpty()) {
            return;
        }
        byMinute.forEach((key, changes) -> {
            for (Grain grain : GRAINS) {
                long bucket = grain.bucketOf(key.minute());
                if (grain == Grain.MINUTE && bucket < minuteFloor) {
                    continue;
                }
                Row all = row(RollupKey.everyone(grain, bucket));
                all.addAll(changes);
                if (key.instanceId() != null) {
                    row(RollupKey.of(grain, key.instanceId(), bucket)).addAll(changes);
                    all.breakdown(Dim.INSTANCE.mapKey(key.instanceId().toString()),
                            changes.counters[MessageCounter.TOTAL.ordinal()]);
                }
            }
        });
        byMinute.clear();
    }

    private Row row(RollupKey key) {
        return messageRows.computeIfAbsent(key, k -> new Row());
    }
}
