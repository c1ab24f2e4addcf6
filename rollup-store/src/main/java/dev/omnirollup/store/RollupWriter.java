package dev.omnirollup.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.LongAdder;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.SqlStatement;
import org.jdbi.v3.core.statement.Update;

/**
 * Adds {@link RollupChanges} to the rollup tables of one layer: one {@code INSERT … SELECT FROM unnest(…) ON
 * CONFLICT DO UPDATE SET n = t.n + excluded.n} per table (the rows' breakdowns as one JSON array, split by
 * {@code json_array_elements_text} beside the {@code unnest} of each column), rows in lock order so concurrent writers
 * lock them in the same order; every written message row gets a new version. The live writer also remembers what
 * it left in the hour, day and total rows and the newest minute's ({@link KnownDims}) and writes the rows it
 * remembers first, with breakdowns merged in Java, then the others with {@code dims_add}: two passes, each in lock
 * order, so two such writers of one layer could lock a row of each pass in opposite orders — PostgreSQL then aborts
 * one transaction as a deadlock, which the caller retries; the ingest remembers rows only when one process writes
 * each layer. Runs inside the caller's transaction.
 */
final class RollupWriter {
    /** The message upserts' {@code <add_counters>}: every counter plus the row being written's. */
    private static final String ADD_COUNTERS = """
            total = t.total + excluded.total, completed = t.completed + excluded.completed,
            failed = t.failed + excluded.failed, pending = t.pending + excluded.pending,
            inbound = t.inbound + excluded.inbound, outbound = t.outbound + excluded.outbound,
            proc_sum = t.proc_sum + excluded.proc_sum, proc_count = t.proc_count + excluded.proc_count,
            agent_sum = t.agent_sum + excluded.agent_sum, agent_count = t.agent_count + excluded.agent_count""";
    private static final String UPSERT_MESSAGES = """
            INSERT INTO <rollup>.msg_<grain> AS t (src, scope, instance_id, bucket, total, completed, failed, pending,
                inbound, outbound, proc_sum, proc_count, agent_sum, agent_count, dims)
            SELECT :layer, u.scope, u.instance_id, u.bucket, u.total, u.completed, u.failed, u.pending, u.inbound,
                u.outbound, u.proc_sum, u.proc_count, u.agent_sum, u.agent_count, u.dims
              FROM ROWS FROM (unnest(:scope::int2[]), unnest(:instance::uuid[]), unnest(:bucket::int8[]),
                unnest(:total::int8[]), unnest(:completed::int8[]), unnest(:failed::int8[]), unnest(:pending::int8[]),
                unnest(:inbound::int8[]), unnest(:outbound::int8[]), unnest(:proc_sum::int8[]),
                unnest(:proc_count::int8[]), unnest(:agent_sum::int8[]), unnest(:agent_count::int8[]),
                json_array_elements_text(:dims::json))
                AS u(scope, instance_id, bucket, total, completed, failed, pending, inbound, outbound, proc_sum,
                     proc_count, agent_sum, agent_count, dims)
            ON CONFLICT (scope, bucket, instance_id, src) DO UPDATE SET <add_counters>,
                dims = CASE WHEN excluded.dims = '{}' THEN t.dims ELSE <rollup>.dims_add(t.dims, excluded.dims) END,
                version = DEFAULT
            """;
    /** What the upsert left in each row: the live writer remembers it ({@link KnownDims}). */
    private static final String RETURNING =
            " RETURNING scope, instance_id, bucket, version, CASE WHEN bucket >= :remember_from THEN dims END";
    /**
     * Rows {@link KnownDims} remembers, with their whole new breakdowns (the remembered ones plus the change, computed
     * in Java) and, as {@code version}, the version remembered: a row still at that version gets its counters added,
     * the new breakdowns and a new version; a row at another version is left alone (the caller upserts it); a row
     * that no longer exists is inserted with the version remembered, which tells the caller to correct its
     * breakdowns. An upsert rather than an {@code UPDATE … FROM}, so that every row is found through the primary
     * key, in the rows' order, whatever the plan.
     */
    private static final String UPSERT_KNOWN_MESSAGES = """
            INSERT INTO <rollup>.msg_<grain> AS t (src, scope, instance_id, bucket, total, completed, failed, pending,
                inbound, outbound, proc_sum, proc_count, agent_sum, agent_count, dims, version)
            SELECT :layer, u.scope, u.instance_id, u.bucket, u.total, u.completed, u.failed, u.pending, u.inbound,
                u.outbound, u.proc_sum, u.proc_count, u.agent_sum, u.agent_count, u.dims, u.expected
              FROM ROWS FROM (unnest(:scope::int2[]), unnest(:instance::uuid[]), unnest(:bucket::int8[]),
                unnest(:total::int8[]), unnest(:completed::int8[]), unnest(:failed::int8[]), unnest(:pending::int8[]),
                unnest(:inbound::int8[]), unnest(:outbound::int8[]), unnest(:proc_sum::int8[]),
                unnest(:proc_count::int8[]), unnest(:agent_sum::int8[]), unnest(:agent_count::int8[]),
                unnest(:expected::int8[]), json_array_elements_text(:dims::json))
                AS u(scope, instance_id, bucket, total, completed, failed, pending, inbound, outbound, proc_sum,
                     proc_count, agent_sum, agent_count, expected, dims)
            ON CONFLICT (scope, bucket, instance_id, src) DO UPDATE SET <add_counters>,
                dims = excluded.dims, version = DEFAULT
             WHERE t.version = excluded.version
            RETURNING scope, instance_id, bucket, version
            """;
    /** Rows {@link #UPSERT_KNOWN_MESSAGES} inserted: their breakdowns are the change alone, and they get a version. */
    private static final String CORRECT_INSERTED = """
            UPDATE <rollup>.msg_<grain> AS t SET dims = u.dims, version = DEFAULT
              FROM ROWS FROM (unnest(:scope::int2[]), unnest(:instance::uuid[]), unnest(:bucket::int8[]),
                json_array_elements_text(:dims::json)) AS u(scope, instance_id, bucket, dims)
             WHERE t.scope = u.scope AND t.bucket = u.bucket AND t.instance_id = u.instance_id AND t.src = :layer
            RETURNING t.scope, t.instance_id, t.bucket, t.version
            """;
    private static final String UPSERT_AUTOMATIONS = """
            INSERT INTO <rollup>.auto_<grain> AS t (src, scope, automation_id, bucket, executions, success, failed,
                skipped, actions, exec_sum, exec_count)
            SELECT :layer, u.* FROM unnest(:scope::int2[], :automation::uuid[], :bucket::int8[], :executions::int8[],
                :success::int8[], :failed::int8[], :skipped::int8[], :actions::int8[], :exec_sum::int8[],
                :exec_count::int8[]) AS u
            ON CONFLICT (scope, bucket, automation_id, src) DO UPDATE SET
                executions = t.executions + excluded.executions, success = t.success + excluded.success,
                failed = t.failed + excluded.failed, skipped = t.skipped + excluded.skipped,
                actions = t.actions + excluded.actions, exec_sum = t.exec_sum + excluded.exec_sum,
                exec_count = t.exec_count + excluded.exec_count
            """;
    /** The columns a COPY of message rows gives: the layer, the key, the counters and the breakdowns. */
    private static final String MESSAGE_COLUMNS = "src, scope, instance_id, bucket, total, completed, failed, "
            + "pending, inbound, outbound, proc_sum, proc_count, agent_sum, agent_count, dims";
    private static final String COPY_MESSAGES = " (" + MESSAGE_COLUMNS + ") FROM STDIN";
    /** A day's fold: {@link #MESSAGE_COLUMNS} and the version, in the binary format. */
    private static final String COPY_FOLD_MESSAGES = " (" + MESSAGE_COLUMNS + ", version) FROM STDIN (FORMAT binary)";
    /** The version every row of a day's fold gets ({@link #writeFold}). */
    private static final String FOLD_VERSION = "SELECT nextval(CAST(:sequence AS regclass))";
    /** The fields of a {@link #COPY_FOLD_MESSAGES} row: the layer, the key, the counters, breakdowns and version. */
    static final int FOLD_FIELDS = 6 + MessageCounter.COUNT;
    /** The grains whose rows a fold writes (the running totals are upserted). */
    static final List<Grain> FOLD_GRAINS = List.of(Grain.MINUTE, Grain.HOUR, Grain.DAY);
    private static final String COPY_AUTOMATIONS = " (src, scope, automation_id, bucket, executions, success, failed, "
            + "skipped, actions, exec_sum, exec_count) FROM STDIN";

    private final RollupDatabase database;
    /** What this writer's last writes left in the message rows; null: every row is upserted with dims_add. */
    private final KnownDims known;
    /** Message rows {@link #write} upserted with {@code dims_add} (their maps merged by PostgreSQL, or new rows). */
    private final LongAdder upsertedRows = new LongAdder();

    /** A writer that merges breakdowns in PostgreSQL. */
    RollupWriter(RollupDatabase database) {
        this(database, null);
    }

    /** A writer that remembers the message rows it writes, to merge their breakdowns itself (null: it does not). */
    RollupWriter(RollupDatabase database, KnownDims known) {
        this.database = database;
        this.known = known;
    }

    /** Message rows written so far with the breakdown maps merged by this writer from what it remembers. */
    long mergedRows() {
        return known == null ? 0 : known.mergedRows();
    }

    /** Message rows written so far by an upsert that merges their maps with {@code dims_add} (or inserts them). */
    long upsertedRows() {
        return upsertedRows.sum();
    }

    void write(Handle handle, RollupChanges changes, Layer layer) {
        for (Grain grain : Grain.values()) {
            writeMessages(handle, grain, changes.messageRows(grain), layer);
            upsertAutomations(handle, grain, changes.automationRows(grain), layer);
        }
    }

    /**
     * Writes rows that cannot exist yet (backfill deleted its day first) with {@code COPY}, and adds the running totals
     * as {@link #write} does. {@code COPY} is pgjdbc's (Jdbi has no bulk-load path); its table names are the
     * validated schema and a grain's fixed suffix.
     */
    void writeFresh(Handle handle, RollupChanges changes, Layer layer) {
        for (Grain grain : new Grain[] {Grain.MINUTE, Grain.HOUR, Grain.DAY}) {
            StringBuilder messages = new StringBuilder();
            for (RollupChanges.MessageRowChange row : changes.messageRows(grain)) {
                messageRow(messages, layer, row.key(), row.counts().toArray(), row.breakdownsJson());
            }
            PgCopy.in(handle, "COPY " + database.rollup("msg_" + grain.suffix()) + COPY_MESSAGES, messages);
            StringBuilder automations = new StringBuilder();
            for (RollupChanges.AutomationRowChange row : changes.automationRows(grain)) {
                RollupKey key = row.key();
                keyAndCounts(automations, layer, key.scope(), key.subject().toString(), key.bucket(),
                        row.counts().toArray());
                automations.append('\n');
            }
            PgCopy.in(handle, "COPY " + database.rollup("auto_" + grain.suffix()) + COPY_AUTOMATIONS, automations);
        }
        upsertMessages(handle, Grain.TOTAL, changes.messageRows(Grain.TOTAL), layer);
        upsertAutomations(handle, Grain.TOTAL, changes.automationRows(Grain.TOTAL), layer);
    }

    /**
     * Writes the minute, hour and day rows of backfill's fold of a day with a binary {@code COPY} each, streamed as
     * the fold produces them, in primary-key order (the rows cannot exist yet: backfill deleted its day first). Its
     * running totals go through {@link BackfillFold#addTotals} and {@link #writeFresh}. Every row gets the same
     * version, one value of the {@code row_version} sequence for the whole fold, not one per row: a reader compares a
     * row's version only with what it held for that same row, and a fold's rows are new rows, so one fresh value tells
     * each of them apart from what it replaced — and saves the sequence a call per row (finding B8).
     */
    void writeFold(Handle handle, BackfillFold fold, Layer layer) {
        long version = handle.createQuery(FOLD_VERSION).bind("sequence", database.rollup("row_version"))
                .mapTo(Long.class).one();
        for (Grain grain : FOLD_GRAINS) {
            PgCopy.inBinary(handle, "COPY " + database.rollup("msg_" + grain.suffix()) + COPY_FOLD_MESSAGES,
                    FOLD_FIELDS, out -> foldRows(out, fold, grain, layer, version));
        }
    }

    /**
     * A fold's rows of one grain as the rows of {@link #COPY_FOLD_MESSAGES}; apart from {@link #writeFold} so that the
     * benchmarks' fold floor encodes the same bytes.
     */
    static void foldRows(CopyBinaryWriter out, BackfillFold fold, Grain grain, Layer layer, long version) {
        fold.rows(grain, (scope, subject, bucket, counters, dims) -> {
            out.row().int2(layer.code()).int2(scope.code)
                    .uuid(subject.getMostSignificantBits(), subject.getLeastSignificantBits())
                    .int8(bucket);
            for (long value : counters) {
                out.int8(value);
            }
            out.text(dims).int8(version);
        });
    }

    private static void messageRow(StringBuilder rows, Layer layer, RollupKey key, long[] counts, String dimsJson) {
        keyAndCounts(rows, layer, key.scope(), key.subject().toString(), key.bucket(), counts);
        rows.append('\t').append(PgCopy.text(dimsJson)).append('\n');
    }

    /** The start of a COPY row: the layer, the key's columns and the counters, tab-separated. */
    private static void keyAndCounts(StringBuilder rows, Layer layer, Scope scope, String subject, long bucket,
                                     long[] counts) {
        rows.append(layer.code()).append('\t').append(scope.code).append('\t').append(subject).append('\t')
                .append(bucket);
        for (long value : counts) {
            rows.append('\t').append(value);
        }
    }

    /**
     * Writes message rows: with {@link KnownDims}, the rows whose remembered version is still theirs get their whole
     * new breakdowns ({@link #UPSERT_KNOWN_MESSAGES}), the others are upserted and what the upsert left is remembered
     * — of the minute rows only the newest minute's (a batch of a backlog covers a few minutes, and the next goes on
     * with the last one only: remembering every minute row cost the worker more than it saved the database, finding
     * I15); without it, every row is upserted.
     */
    private void writeMessages(Handle handle, Grain grain, List<RollupChanges.MessageRowChange> rows, Layer layer) {
        if (known == null || rows.isEmpty()) {
            upsertMessages(handle, grain, rows, layer);
            upsertedRows.add(rows.size());
            return;
        }
        List<RollupChanges.MessageRowChange> rest = new ArrayList<>();
        List<RollupChanges.MessageRowChange> remembered = new ArrayList<>();
        List<KnownDims.Known> was = new ArrayList<>();
        for (RollupChanges.MessageRowChange row : rows) {
            KnownDims.Known before = known.get(layer, row.key());
            if (before == null) {
                rest.add(row);
            } else {
                remembered.add(row);
                was.add(before);
            }
        }
        List<RollupChanges.MessageRowChange> movedOn = writeRemembered(handle, grain, remembered, was, layer);
        if (!movedOn.isEmpty()) {
            rest.addAll(movedOn);
            rest.sort(Comparator.comparing(RollupChanges.MessageRowChange::key, RollupKey.LOCK_ORDER));
        }
        // of the minute rows only the newest minute's are remembered: the next batch goes on with that minute only
        long newest = grain == Grain.MINUTE ? rows.stream().mapToLong(row -> row.key().bucket()).max().orElse(0) : 0;
        upsertRemembering(handle, grain, rest, layer, newest);
    }

    /**
     * Writes rows at the versions remembered ({@code was}) with their merged breakdowns and remembers the result;
     * returns the rows whose version had moved on, left for the upsert.
     */
    private List<RollupChanges.MessageRowChange> writeRemembered(Handle handle, Grain grain,
                                                                 List<RollupChanges.MessageRowChange> rows,
                                                                 List<KnownDims.Known> was, Layer layer) {
        int n = rows.size();
        if (n == 0) {
            return List.of();
        }
        Map<RollupKey, Integer> index = new HashMap<>(n * 2);
        SortedDims[] next = new SortedDims[n];
        Long[] versions = new Long[n];
        for (int i = 0; i < n; i++) {
            index.put(rows.get(i).key(), i);
            next[i] = was.get(i).dims().plus(rows.get(i).breakdowns(), known::shared);
            versions[i] = was.get(i).version();
        }
        Query upsert = handle.createQuery(UPSERT_KNOWN_MESSAGES).define("grain", grain.suffix())
                .define("add_counters", ADD_COUNTERS)
                .bind("dims", dimsArray(Arrays.stream(next).map(SortedDims::json).toList()))
                .bindByType("expected", versions, Long[].class);
        bindRows(upsert, layer, "instance", keys(rows), rows.stream().map(row -> row.counts().toArray()).toList(),
                MessageCounter.COLUMNS);
        boolean[] written = new boolean[n];
        List<RollupChanges.MessageRowChange> inserted = new ArrayList<>();
        int merged = 0;
        for (Written row : upsert.map((rs, ctx) -> Written.of(grain, rs, false)).list()) {
            int i = index.get(row.key());
            written[i] = true;
            if (row.version() == versions[i]) {
                inserted.add(rows.get(i)); // the row was gone: it holds the change alone
            } else {
                known.put(layer, row.key(), row.version(), next[i]);
                merged++;
            }
        }
        known.merged(merged);
        correctInserted(handle, grain, inserted, layer);
        List<RollupChanges.MessageRowChange> movedOn = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (!written[i]) {
                movedOn.add(rows.get(i));
            }
        }
        return movedOn;
    }

    /**
     * Upserts rows, merging their breakdowns with {@code dims_add}, and remembers what each row of a bucket from
     * {@code rememberFrom} on holds after.
     */
    private void upsertRemembering(Handle handle, Grain grain, List<RollupChanges.MessageRowChange> rows,
                                   Layer layer, long rememberFrom) {
        if (rows.isEmpty()) {
            return;
        }
        upsertedRows.add(rows.size());
        Query upsert = handle.createQuery(UPSERT_MESSAGES + RETURNING).define("grain", grain.suffix())
                .define("add_counters", ADD_COUNTERS)
                .bind("remember_from", rememberFrom);
        List<String> texts = breakdownTexts(rows);
        bindMessageRows(upsert, rows, texts, layer);
        Map<RollupKey, Integer> index = new HashMap<>(rows.size() * 2);
        for (int i = 0; i < rows.size(); i++) {
            index.put(rows.get(i).key(), i);
        }
        for (Written row : upsert.map((rs, ctx) -> Written.of(grain, rs, true)).list()) {
            if (row.dims() == null) {
                continue; // a minute before the newest
            }
            // a row the upsert inserted holds the change itself, as written: recognised by its text, not parsed
            Integer i = index.get(row.key());
            SortedDims stored = i != null && row.dims().equals(texts.get(i))
                    ? rows.get(i).breakdowns().canonical(known::shared)
                    : SortedDims.parse(row.dims()).canonical(known::shared);
            known.put(layer, row.key(), row.version(), stored);
        }
    }

    /** A message row as a write left it: key, new version and, when asked for, its breakdowns as stored. */
    private record Written(RollupKey key, long version, String dims) {
        static Written of(Grain grain, ResultSet rs, boolean withDims) throws SQLException {
            return new Written(new RollupKey(grain, Scope.of(rs.getShort(1)), rs.getObject(2, UUID.class),
                    rs.getLong(3)), rs.getLong(4), withDims ? rs.getString(5) : null);
        }
    }

    /** Gives rows {@link #UPSERT_KNOWN_MESSAGES} inserted their change's breakdowns and a version of their own. */
    private void correctInserted(Handle handle, Grain grain, List<RollupChanges.MessageRowChange> rows, Layer layer) {
        if (rows.isEmpty()) {
            return;
        }
        Map<RollupKey, SortedDims> changes = new HashMap<>();
        rows.forEach(row -> changes.put(row.key(), row.breakdowns()));
        Query update = handle.createQuery(CORRECT_INSERTED).define("grain", grain.suffix())
                .bind("dims", dimsArray(breakdownTexts(rows)));
        bindRows(update, layer, "instance", keys(rows), rows.stream().map(row -> new long[0]).toList(), List.of());
        for (Written row : update.map((rs, ctx) -> Written.of(grain, rs, false)).list()) {
            known.put(layer, row.key(), row.version(), changes.get(row.key()).canonical(known::shared));
        }
    }

    private static void upsertMessages(Handle handle, Grain grain, List<RollupChanges.MessageRowChange> rows,
                                       Layer layer) {
        if (rows.isEmpty()) {
            return;
        }
        Update update = handle.createUpdate(UPSERT_MESSAGES).define("grain", grain.suffix())
                .define("add_counters", ADD_COUNTERS);
        bindMessageRows(update, rows, breakdownTexts(rows), layer);
        update.execute();
    }

    /** Binds message rows for {@link #UPSERT_MESSAGES}: their keys, counters and breakdowns ({@code texts}). */
    private static void bindMessageRows(SqlStatement<?> statement, List<RollupChanges.MessageRowChange> rows,
                                        List<String> texts, Layer layer) {
        statement.bind("dims", dimsArray(texts));
        bindRows(statement, layer, "instance", keys(rows), rows.stream().map(row -> row.counts().toArray()).toList(),
                MessageCounter.COLUMNS);
    }

    /**
     * The rows' breakdowns as one JSON array, split again by the statements' {@code json_array_elements_text}, which
     * gives each element's text as written (the {@code json} type only checks the syntax, unlike {@code jsonb}): one
     * JSON array rather than a {@code text[]}, since the driver escapes every quote of every element of an array
     * literal.
     */
    private static String dimsArray(List<String> texts) {
        StringBuilder array = new StringBuilder(texts.size() * 64).append('[');
        for (String text : texts) {
            array.append(array.length() == 1 ? "" : ",").append(text);
        }
        return array.append(']').toString();
    }

    /** The rows' breakdowns as JSON objects, in order: made once per write, for the statement and for recognising. */
    private static List<String> breakdownTexts(List<RollupChanges.MessageRowChange> rows) {
        return rows.stream().map(RollupChanges.MessageRowChange::breakdownsJson).toList();
    }

    private static List<RollupKey> keys(List<RollupChanges.MessageRowChange> rows) {
        return rows.stream().map(RollupChanges.MessageRowChange::key).toList();
    }

    private static void upsertAutomations(Handle handle, Grain grain, List<RollupChanges.AutomationRowChange> rows,
                                          Layer layer) {
        if (rows.isEmpty()) {
            return;
        }
        Update update = handle.createUpdate(UPSERT_AUTOMATIONS).define("grain", grain.suffix());
        bindRows(update, layer, "automation", rows.stream().map(RollupChanges.AutomationRowChange::key).toList(),
                rows.stream().map(row -> row.counts().toArray()).toList(), AutomationCounter.COLUMNS);
        update.execute();
    }

    /**
     * Binds the layer and, as arrays of one element per row for the upsert's {@code unnest}, the rows' keys (scope,
     * the subject as {@code subjectParameter}, bucket) and their counters, {@code counts[c]} as
     * {@code counterColumns[c]}.
     */
    private static void bindRows(SqlStatement<?> update, Layer layer, String subjectParameter, List<RollupKey> keys,
                                 List<long[]> counts, List<String> counterColumns) {
        int n = keys.size();
        Short[] scopes = new Short[n];
        UUID[] subjects = new UUID[n];
        Long[] buckets = new Long[n];
        Long[][] counters = new Long[counterColumns.size()][n];
        for (int i = 0; i < n; i++) {
            RollupKey key = keys.get(i);
            scopes[i] = key.scope().code;
            subjects[i] = key.subject();
            buckets[i] = key.bucket();
            long[] values = counts.get(i);
            for (int c = 0; c < values.length; c++) {
                counters[c][i] = values[c];
            }
        }
        update.bind("layer", layer.code())
                .bindByType("scope", scopes, Short[].class)
                .bindByType(subjectParameter, subjects, UUID[].class)
                .bindByType("bucket", buckets, Long[].class);
        for (int c = 0; c < counterColumns.size(); c++) {
            update.bindByType(counterColumns.get(c), counters[c], Long[].class);
        }
    }
}
