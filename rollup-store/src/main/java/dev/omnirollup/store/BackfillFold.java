package dev.omnirollup.store;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.ToIntFunction;

/**
 * Backfill's fold of one UTC day of {@code omni_events} rows into its rollup rows, one source row at a time and
 * without allocating per row: the text columns arrive as ids of their {@link CopyBinaryReader.Texts}, the instance
 * as the two halves of its UUID. Rows are collected per (minute, instance) inside the minute retention and per
 * (hour, instance) before it, then spread over the coarser grains and both scopes exactly as {@link RollupChanges}
 * spreads live events: the counters of {@link MessageCounter}, the breakdowns of {@link Dim} (the all-instances rows
 * also carry each instance's total), minute rows only from the minute floor on. Not thread-safe; one per day.
 */
final class BackfillFold {
    private static final int COUNTERS = MessageCounter.COUNT;
    private static final int NONE = -1;
    private static final int MINUTES_A_DAY = 1440;
    private static final long HOUR_SECONDS = Grain.HOUR.seconds();
    private static final long MINUTE_SECONDS = Grain.MINUTE.seconds();
    /** The bits of a sort key ({@link #rows}) that hold the minute of the day, once shifted down 32. */
    private static final int MINUTE_BITS = 0x7FF;
    /** The bit of a sort key that puts an instance's rows after all the all-instances rows. */
    private static final long ONE_SCOPE = 1L << 62;
    private static final JsonStringEncoder JSON = JsonStringEncoder.getInstance();

    /** Receives the rows of one grain in primary-key order (scope, bucket, instance). */
    interface RowSink {
        /**
         * @param subject the instance ({@link Scope#EVERYONE} for the all-instances rows)
         * @param dims    appends the row's breakdowns as a JSON object (UTF-8)
         */
        void row(Scope scope, UUID subject, long bucket, long[] counters, CopyBinaryWriter.Text dims);
    }

    private final Keys keys = new Keys();
    final Column channels = new Column(value -> keys.text.idOf(Dim.CHANNEL.mapKey(value)));
    final Column directions = new Column(value -> MessageCounter.ofDirection(value).map(Enum::ordinal).orElse(NONE));
    final Column eventTypes = new Column(value -> keys.text.idOf(Dim.EVENT_TYPE.mapKey(value)));
    final Column contentTypes = new Column(value -> keys.text.idOf(Dim.CONTENT_TYPE.mapKey(value)));
    final Column errorStages = new Column(value -> keys.text.idOf(Dim.ERROR_STAGE.mapKey(value)));
    final Column statuses = new Column(value -> MessageCounter.ofStatus(value).map(Enum::ordinal).orElse(NONE));

    private final long day;
    private final long minuteFloor;
    private final Instances instances = new Instances();
    private final LongIntMap processingBinKeys = new LongIntMap(64);
    private final LongIntMap agentBinKeys = new LongIntMap(64);
    /** Source rows collected per (minute or hour, instance): the finest rows this day writes. */
    private final Cells collected = new Cells(1024);
    private final Cells minutes = new Cells(4096);
    private final Cells hours = new Cells(1024);
    private final Cells days = new Cells(64);
    private final Cells totals = new Cells(64);
    private long rows;
    private boolean spread;

    /**
     * @param day         the UTC day's first second; every row added falls inside it
     * @param minuteFloor rows from this epoch second on are collected per minute and written to the minute rows too
     */
    BackfillFold(long day, long minuteFloor) {
        this.day = day;
        this.minuteFloor = minuteFloor;
    }

    /** An instance's id from the halves of its UUID. */
    int instance(long high, long low) {
        return instances.idOf(high, low);
    }

    /**
     * Adds one source row.
     *
     * @param instance    from {@link #instance}, or {@link CopyBinaryReader#NULL} for a row without one
     * @param contentType the id in {@link #contentTypes}, or {@link CopyBinaryReader#NULL}
     * @param errorStage  the id in {@link #errorStages}, or {@link CopyBinaryReader#NULL}
     * @param processing  {@code processing_time_ms}, meaningful when {@code hasProcessing}
     * @param agent       {@code agent_latency_ms}, meaningful when {@code hasAgent}
     */
    void add(long epochSecond, int instance, int channel, int direction, int eventType, int contentType,
             int errorStage, int status, boolean hasProcessing, long processing, boolean hasAgent, long agent) {
        if (spread) {
            throw new IllegalStateException("rows added after the fold was read");
        }
        if (epochSecond < day || epochSecond >= day + Grain.DAY.seconds()) {
            throw new IllegalArgumentException("row at " + epochSecond + " outside the day " + day);
        }
        // the minute's bucket from the minute floor on, the hour's before it, chosen without a branch: C2 compiles a
        // branch the rows never took as a trap, and the first day inside the minute retention (most days in) would
        // throw away the compiled row loop for a recompilation as long as the first (finding B10)
        long beforeFloor = -Math.min(Math.max(minuteFloor, epochSecond) - epochSecond, 1); // -1 before it, else 0
        long hour = epochSecond - epochSecond % HOUR_SECONDS;
        long minute = epochSecond - epochSecond % MINUTE_SECONDS;
        long bucket = hour & beforeFloor | minute & ~beforeFloor;
        int cell = collected.cell(bucket, instance);
        long[] counters = collected.counters;
        int base = cell * COUNTERS;
        counters[base + MessageCounter.TOTAL.ordinal()]++;
        int statusCounter = statuses.of(status);
        if (statusCounter != NONE) {
            counters[base + statusCounter]++;
        }
        int directionCounter = directions.of(direction);
        if (directionCounter != NONE) {
            counters[base + directionCounter]++;
        }
        Dims dims = collected.dims[cell];
        if (hasProcessing) {
            counters[base + MessageCounter.PROC_SUM.ordinal()] += processing;
            counters[base + MessageCounter.PROC_COUNT.ordinal()]++;
            dims.addOther(binKey(processingBinKeys, Dim.PROCESSING_BIN, processing), 1);
        }
        if (hasAgent) {
            counters[base + MessageCounter.AGENT_SUM.ordinal()] += agent;
            counters[base + MessageCounter.AGENT_COUNT.ordinal()]++;
            dims.addOther(binKey(agentBinKeys, Dim.AGENT_BIN, agent), 1);
        }
        dims.addText(channels.of(channel), 1);
        dims.addText(eventTypes.of(eventType), 1);
        if (contentType != CopyBinaryReader.NULL) {
            dims.addText(contentTypes.of(contentType), 1);
        }
        if (errorStage != CopyBinaryReader.NULL) {
            dims.addText(errorStages.of(errorStage), 1);
        }
        rows++;
    }

    /** The source rows added. */
    long rows() {
        return rows;
    }

    /** The rows of one of the minute, hour and day grains, in primary-key order; none before the minute floor. */
    void rows(Grain grain, RowSink sink) {
        spread();
        Cells cells = switch (grain) {
            case MINUTE -> minutes;
            case HOUR -> hours;
            case DAY -> days;
            case TOTAL -> throw new IllegalArgumentException("the running totals are added: see addTotals");
        };
        // primary-key order without comparing rows: a cell's key packs its scope (all instances first), its minute of
        // the day (the buckets of one grain and day rise with it) and its instance's rank in uuid order, so that a
        // sort of plain longs orders them and the cell is found again through the index
        int[] byRank = instances.inKeyOrder();
        long[] order = new long[cells.size];
        for (int cell = 0; cell < order.length; cell++) {
            int instance = cells.instance[cell];
            long minute = (long) cells.minuteOf(cell) << 32;
            order[cell] = instance == NONE ? minute : ONE_SCOPE | minute | instances.rank(instance);
        }
        Arrays.sort(order);
        long[] counters = new long[COUNTERS];
        for (long key : order) {
            int cell = cells.at((int) (key >>> 32) & MINUTE_BITS, key >= ONE_SCOPE ? byRank[(int) key] : NONE);
            System.arraycopy(cells.counters, cell * COUNTERS, counters, 0, COUNTERS);
            int instance = cells.instance[cell];
            Dims dims = cells.dims[cell];
            sink.row(instance == NONE ? Scope.ALL : Scope.ONE,
                    instance == NONE ? Scope.EVERYONE : instances.uuid(instance), cells.bucket[cell], counters,
                    out -> dims.appendJson(keys, out));
        }
    }

    /** Adds the day's share of the running totals (all instances and each instance) to {@code changes}. */
    void addTotals(RollupChanges changes) {
        spread();
        for (int cell = 0; cell < totals.size; cell++) {
            int instance = totals.instance[cell];
            RollupKey key = instance == NONE ? RollupKey.everyone(Grain.TOTAL, 0)
                    : RollupKey.of(Grain.TOTAL, instances.uuid(instance), 0);
            changes.add(key, MessageCounts.of(Arrays.copyOfRange(totals.counters, cell * COUNTERS,
                    (cell + 1) * COUNTERS)), totals.dims[cell].asMap(keys));
        }
    }

    /**
     * Spreads the collected rows over every grain and both scopes, once, each grain from the next finer one: an
     * instance's minute and hour rows from what was collected, its day and total rows from its hour and day rows, and
     * every all-instances row from the instances' rows of its grain (with each instance's total as a breakdown) plus
     * the rows without an instance, which have only all-instances rows.
     */
    private void spread() {
        if (spread) {
            return;
        }
        spread = true;
        for (int cell = 0; cell < collected.size; cell++) {
            long bucket = collected.bucket[cell];
            int instance = collected.instance[cell];
            if (bucket >= minuteFloor) {
                minutes.addAll(minutes.cell(bucket, NONE), collected, cell, instance);
                if (instance != NONE) {
                    minutes.addAll(minutes.cell(bucket, instance), collected, cell, NONE);
                }
            }
            long hour = Grain.HOUR.bucketOf(bucket);
            if (instance != NONE) {
                hours.addAll(hours.cell(hour, instance), collected, cell, NONE);
            } else {
                hours.addAll(hours.cell(hour, NONE), collected, cell, NONE);
                days.addAll(days.cell(day, NONE), collected, cell, NONE);
                totals.addAll(totals.cell(0, NONE), collected, cell, NONE);
            }
        }
        rollUp(hours, days, day);
        rollUp(days, totals, 0);
        rollUp(totals, null, 0);
    }

    /**
     * Adds every instance's rows of {@code grain} to the all-instances row of their bucket, and to that instance's
     * row of {@code coarser} (at {@code coarserBucket}), when there is one.
     */
    private static void rollUp(Cells grain, Cells coarser, long coarserBucket) {
        int rows = grain.size; // all-instances rows added below are not instance rows
        for (int cell = 0; cell < rows; cell++) {
            int instance = grain.instance[cell];
            if (instance != NONE) {
                grain.addAll(grain.cell(grain.bucket[cell], NONE), grain, cell, instance);
                if (coarser != null) {
                    coarser.addAll(coarser.cell(coarserBucket, instance), grain, cell, NONE);
                }
            }
        }
    }

    private int binKey(LongIntMap bins, Dim dim, long value) {
        long bin = LatencyBins.binOf(value);
        int key = bins.get(bin);
        if (key < 0) {
            key = keys.other.idOf(dim.mapKey(Long.toString(bin)));
            bins.put(bin, key);
        }
        return key;
    }

    /**
     * A text column as the fold uses it: the values seen ({@link #texts}, what the reader interns into), each resolved
     * once, when first seen, to what a row of it adds to — a breakdown key or a counter ({@link #NONE}: nothing).
     */
    static final class Column {
        final CopyBinaryReader.Texts texts = new CopyBinaryReader.Texts();
        private final ToIntFunction<String> resolve;
        private int[] resolved = new int[0];

        private Column(ToIntFunction<String> resolve) {
            this.resolve = resolve;
        }

        /** What the value of id {@code text} adds to. */
        int of(int text) {
            if (text >= resolved.length) {
                resolveNew();
            }
            return resolved[text];
        }

        /**
         * Resolves the values seen since the last call. Apart from {@link #of} so that the compiled fold does not
         * inline it: its call of {@code resolve} meets a different function in every column, and a type check
         * inlined there failing for a value first seen late in a day made the JIT throw away and recompile the
         * whole row fold.
         */
        private void resolveNew() {
            int from = resolved.length;
            resolved = Arrays.copyOf(resolved, texts.size());
            for (int id = from; id < resolved.length; id++) {
                resolved[id] = resolve.applyAsInt(texts.string(id));
            }
        }
    }

    /**
     * The breakdown keys ({@code "<prefix>:<key>"}) seen, numbered in two series: the values of the text columns
     * (a few dozen: a row's counts of them live in a plain array) and the others (histogram bins, instances).
     */
    private static final class Keys {
        final Series text = new Series();
        final Series other = new Series();
        private int[] instanceKeys = new int[0];

        int instance(int instance, Instances instances) {
            if (instance >= instanceKeys.length) {
                int from = instanceKeys.length;
                instanceKeys = Arrays.copyOf(instanceKeys, Math.max(instance + 1, from * 2));
                Arrays.fill(instanceKeys, from, instanceKeys.length, NONE);
            }
            if (instanceKeys[instance] == NONE) {
                instanceKeys[instance] = other.idOf(Dim.INSTANCE.mapKey(instances.text(instance)));
            }
            return instanceKeys[instance];
        }
    }

    /** Keys numbered in the order first seen, with their JSON form (the quoted name and its colon, UTF-8). */
    private static final class Series {
        private final List<String> names = new ArrayList<>();
        private final List<byte[]> json = new ArrayList<>();
        private final Map<String, Integer> ids = new HashMap<>();

        int idOf(String name) {
            Integer id = ids.get(name);
            if (id == null) {
                id = names.size();
                names.add(name);
                json.add(('"' + new String(JSON.quoteAsString(name)) + "\":").getBytes(StandardCharsets.UTF_8));
                ids.put(name, id);
            }
            return id;
        }
    }

    /** The instances seen, numbered in the order first seen. */
    private static final class Instances {
        private final LongIntMap byMix = new LongIntMap(64);
        private final Map<UUID, Integer> collided = new HashMap<>();
        private final List<UUID> uuids = new ArrayList<>();
        private final List<String> texts = new ArrayList<>();
        private long lastHigh;
        private long lastLow;
        private int last = NONE;
        private int[] ranked;
        private int[] ranks;

        int idOf(long high, long low) {
            // the test for no instance yet comes last: it is reached only by the same uuid as the row before, so a
            // day's first row, whose instance is new, takes no branch the JIT's profile has not seen (B10)
            if (high == lastHigh && low == lastLow && last != NONE) {
                return last;
            }
            long mix = high * 31 + low;
            int id = byMix.get(mix);
            if (id < 0 || !matches(id, high, low)) {
                id = id < 0 ? add(mix, high, low) : collided.computeIfAbsent(new UUID(high, low),
                        u -> add(Long.MIN_VALUE, high, low));
            }
            lastHigh = high;
            lastLow = low;
            last = id;
            return id;
        }

        UUID uuid(int id) {
            return uuids.get(id);
        }

        String text(int id) {
            return texts.get(id);
        }

        /**
         * The instances in PostgreSQL's order of uuids (their bytes, unsigned), computed once all are seen: the
         * fold's rows are written after the last source row is added.
         */
        int[] inKeyOrder() {
            if (ranked == null || ranked.length != uuids.size()) {
                Integer[] ids = new Integer[uuids.size()];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = i;
                }
                Arrays.sort(ids, (a, b) -> {
                    UUID x = uuids.get(a);
                    UUID y = uuids.get(b);
                    int high = Long.compareUnsigned(x.getMostSignificantBits(), y.getMostSignificantBits());
                    return high != 0 ? high
                            : Long.compareUnsigned(x.getLeastSignificantBits(), y.getLeastSignificantBits());
                });
                ranked = new int[ids.length];
                ranks = new int[ids.length];
                for (int r = 0; r < ids.length; r++) {
                    ranked[r] = ids[r];
                    ranks[ids[r]] = r;
                }
            }
            return ranked;
        }

        /** An instance's place in {@link #inKeyOrder}, which must have been computed since it was first seen. */
        int rank(int id) {
            return ranks[id];
        }

        private boolean matches(int id, long high, long low) {
            UUID u = uuids.get(id);
            return u.getMostSignificantBits() == high && u.getLeastSignificantBits() == low;
        }

        private int add(long mix, long high, long low) {
            int id = uuids.size();
            UUID uuid = new UUID(high, low);
            uuids.add(uuid);
            texts.add(uuid.toString());
            if (mix != Long.MIN_VALUE) {
                byMix.put(mix, id);
            }
            return id;
        }
    }

    /**
     * Rollup rows of one kind keyed by (bucket, instance or none): counters in one array, breakdowns per row, found
     * through a table by minute of the day and instance.
     */
    private final class Cells {
        /** Per minute of the day (an hour's or the day's first minute), per instance + 1: the row + 1 (0: none). */
        private final int[][] index = new int[MINUTES_A_DAY][];
        long[] counters;
        long[] bucket;
        int[] instance;
        Dims[] dims;
        int size;

        Cells(int expected) {
            counters = new long[expected * COUNTERS];
            bucket = new long[expected];
            instance = new int[expected];
            dims = new Dims[expected];
        }

        /** The minute of the day that indexes a cell (the running total's bucket 0 is the day's first). */
        int minuteOf(int cell) {
            return minuteOf(bucket[cell]);
        }

        private int minuteOf(long at) {
            return (int) (Math.max(0, at - day) / 60);
        }

        /** The cell of a minute of the day and an instance (or {@code NONE}), which must exist. */
        int at(int minute, int of) {
            return index[minute][of + 1] - 1;
        }

        int cell(long at, int of) {
            int minute = minuteOf(at);
            int[] row = index[minute];
            if (row == null || row.length <= of + 1) {
                row = index[minute] = Arrays.copyOf(row == null ? new int[0] : row,
                        Math.max(of + 2, Math.max(8, (row == null ? 0 : row.length) * 2)));
            }
            if (row[of + 1] > 0) {
                return row[of + 1] - 1;
            }
            if (size == bucket.length) {
                int capacity = size * 2;
                counters = Arrays.copyOf(counters, capacity * COUNTERS);
                bucket = Arrays.copyOf(bucket, capacity);
                instance = Arrays.copyOf(instance, capacity);
                dims = Arrays.copyOf(dims, capacity);
            }
            int cell = size++;
            bucket[cell] = at;
            instance[cell] = of;
            dims[cell] = new Dims();
            row[of + 1] = cell + 1;
            return cell;
        }

        /** Adds a row of {@code from} to a row of these; with an {@code instance}, its total as that breakdown. */
        void addAll(int cell, Cells from, int fromCell, int instance) {
            for (int c = 0; c < COUNTERS; c++) {
                counters[cell * COUNTERS + c] += from.counters[fromCell * COUNTERS + c];
            }
            dims[cell].addAll(from.dims[fromCell]);
            if (instance != NONE) {
                dims[cell].addOther(keys.instance(instance, instances),
                        from.counters[fromCell * COUNTERS + MessageCounter.TOTAL.ordinal()]);
            }
        }
    }

    /**
     * One row's breakdowns: the counts of the text-column keys in an array indexed by key, the other keys (bins,
     * instances) in a short list searched in order, indexed once it grows.
     */
    private static final class Dims {
        private long[] text = new long[16];
        private int[] keys = new int[4];
        private long[] counts = new long[4];
        private int size;
        private LongIntMap index;

        void addText(int key, long n) {
            if (key >= text.length) {
                text = Arrays.copyOf(text, Math.max(key + 1, text.length * 2));
            }
            text[key] += n;
        }

        void addOther(int key, long n) {
            int at = find(key);
            if (at >= 0) {
                counts[at] += n;
                return;
            }
            if (size == keys.length) {
                keys = Arrays.copyOf(keys, size * 2);
                counts = Arrays.copyOf(counts, size * 2);
            }
            keys[size] = key;
            counts[size] = n;
            if (index != null) {
                index.put(key, size);
            } else if (size == 16) {
                index = new LongIntMap(64);
                for (int i = 0; i <= size; i++) {
                    index.put(keys[i], i);
                }
            }
            size++;
        }

        void addAll(Dims other) {
            if (other.text.length > text.length) {
                text = Arrays.copyOf(text, other.text.length);
            }
            for (int key = 0; key < other.text.length; key++) {
                text[key] += other.text[key];
            }
            for (int i = 0; i < other.size; i++) {
                addOther(other.keys[i], other.counts[i]);
            }
        }

        void appendJson(Keys names, CopyBinaryWriter.Bytes out) {
            out.put((byte) '{');
            boolean first = true;
            for (int key = 0; key < text.length; key++) {
                if (text[key] != 0) {
                    first = comma(out, first);
                    out.put(names.text.json.get(key)).decimal(text[key]);
                }
            }
            for (int i = 0; i < size; i++) {
                first = comma(out, first);
                out.put(names.other.json.get(keys[i])).decimal(counts[i]);
            }
            out.put((byte) '}');
        }

        Map<String, Long> asMap(Keys names) {
            Map<String, Long> map = new HashMap<>();
            for (int key = 0; key < text.length; key++) {
                if (text[key] != 0) {
                    map.put(names.text.names.get(key), text[key]);
                }
            }
            for (int i = 0; i < size; i++) {
                map.put(names.other.names.get(keys[i]), counts[i]);
            }
            return map;
        }

        private static boolean comma(CopyBinaryWriter.Bytes out, boolean first) {
            if (!first) {
                out.put((byte) ',');
            }
            return false;
        }

        private int find(int key) {
            if (index != null) {
                return index.get(key);
            }
            for (int i = 0; i < size; i++) {
                if (keys[i] == key) {
                    return i;
                }
            }
            return NONE;
        }
    }
}
