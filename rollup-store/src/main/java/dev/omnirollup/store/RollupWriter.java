package dev.omnirollup.store;

import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Update;

/**
 * Adds {@link RollupChanges} to the rollup tables of one layer: one {@code INSERT … SELECT FROM unnest(…) ON
 * CONFLICT DO UPDATE SET n = t.n + excluded.n} per table (the rows' breakdowns as one JSON array, split by
 * {@code jsonb_array_elements} beside the {@code unnest} of each column), rows in lock order so concurrent writers
 * lock them in the same order; every written message row gets a new version. Runs inside the caller's transaction.
 */
final class RollupWriter {
    private static final String UPSERT_MESSAGES = """
            INSERT INTO <rollup>.msg_<grain> AS t (src, scope, instance_id, bucket, total, completed, failed, pending,
                inbound, outbound, proc_sum, proc_count, agent_sum, agent_count, dims)
            SELECT :layer, u.scope, u.instance_id, u.bucket, u.total, u.completed, u.failed, u.pending, u.inbound,
                u.outbound, u.proc_sum, u.proc_count, u.agent_sum, u.agent_count, u.dims
              FROM ROWS FROM (unnest(:scope::int2[]), unnest(:instance::uuid[]), unnest(:bucket::int8[]),
                unnest(:total::int8[]), unnest(:completed::int8[]), unnest(:failed::int8[]), unnest(:pending::int8[]),
                unnest(:inbound::int8[]), unnest(:outbound::int8[]), unnest(:proc_sum::int8[]),
                unnest(:proc_count::int8[]), unnest(:agent_sum::int8[]), unnest(:agent_count::int8[]),
                jsonb_array_elements(:dims::jsonb))
                AS u(scope, instance_id, bucket, total, completed, failed, pending, inbound, outbound, proc_sum,
                     proc_count, agent_sum, agent_count, dims)
            ON CONFLICT (scope, bucket, instance_id, src) DO UPDATE SET
                total = t.total + excluded.total, completed = t.completed + excluded.completed,
                failed = t.failed + excluded.failed, pending = t.pending + excluded.pending,
                inbound = t.inbound + excluded.inbound, outbound = t.outbound + excluded.outbound,
                proc_sum = t.proc_sum + excluded.proc_sum, proc_count = t.proc_count + excluded.proc_count,
                agent_sum = t.agent_sum + excluded.agent_sum, agent_count = t.agent_count + excluded.agent_count,
                dims = CASE WHEN excluded.dims = '{}'::jsonb THEN t.dims ELSE <rollup>.dims_add(t.dims, excluded.dims) END,
                version = DEFAULT
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
    private static final String COPY_MESSAGES = " (src, scope, instance_id, bucket, total, completed, failed, "
            + "pending, inbound, outbound, proc_sum, proc_count, agent_sum, agent_count, dims) FROM STDIN";
    private static final String COPY_AUTOMATIONS = " (src, scope, automation_id, bucket, executions, success, failed, "
            + "skipped, actions, exec_sum, exec_count) FROM STDIN";

    private final RollupDatabase database;

    RollupWriter(RollupDatabase database) {
        this.database = database;
    }

    void write(Handle handle, RollupChanges changes, Layer layer) {
        for (Grain grain : Grain.values()) {
            upsertMessages(handle, grain, changes.messageRows(grain), layer);
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
     * Writes the minute, hour and day rows of backfill's fold of a day with {@code COPY}, in primary-key order
     * (the rows cannot exist yet: backfill deleted its day first). Its running totals go through
     * {@link BackfillFold#addTotals} and {@link #writeFresh}.
     */
    void writeFold(Handle handle, BackfillFold fold, Layer layer) {
        for (Grain grain : new Grain[] {Grain.MINUTE, Grain.HOUR, Grain.DAY}) {
            StringBuilder rows = new StringBuilder(1 << 16);
            fold.rows(grain, (scope, subject, bucket, counters, dims) -> {
                keyAndCounts(rows, layer, scope, subject, bucket, counters);
                dims.appendTo(rows.append('\t'));
                rows.append('\n');
            });
            PgCopy.in(handle, "COPY " + database.rollup("msg_" + grain.suffix()) + COPY_MESSAGES, rows);
        }
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

    private static void upsertMessages(Handle handle, Grain grain, List<RollupChanges.MessageRowChange> rows,
                                       Layer layer) {
        if (rows.isEmpty()) {
            return;
        }
        StringBuilder dims = new StringBuilder(rows.size() * 64).append('[');
        for (RollupChanges.MessageRowChange row : rows) {
            dims.append(dims.length() == 1 ? "" : ",").append(row.breakdownsJson());
        }
        // one JSON array rather than a text[]: the driver escapes every quote of every element of an array literal
        Update update = handle.createUpdate(UPSERT_MESSAGES).define("grain", grain.suffix())
                .bind("dims", dims.append(']').toString());
        bindRows(update, layer, "instance", rows.stream().map(RollupChanges.MessageRowChange::key).toList(),
                rows.stream().map(row -> row.counts().toArray()).toList(), MessageCounter.COLUMNS);
        update.execute();
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
    private static void bindRows(Update update, Layer layer, String subjectParameter, List<RollupKey> keys,
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
