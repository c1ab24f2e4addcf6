-- Included by dims-merge.sql: the writer's counter upsert as it merges maps in PostgreSQL (round :round's change).
INSERT INTO dims_merge_add.msg_hour AS t (src, scope, instance_id, bucket, total, completed, failed, pending,
    inbound, outbound, proc_sum, proc_count, agent_sum, agent_count, dims)
SELECT 0, scope, instance_id, bucket, 2, 2, 0, 0, 1, 1, 0, 0, 0, 0, dims FROM change
ON CONFLICT (scope, bucket, instance_id, src) DO UPDATE SET total = t.total + excluded.total,
    completed = t.completed + excluded.completed, inbound = t.inbound + excluded.inbound,
    outbound = t.outbound + excluded.outbound,
    dims = CASE WHEN excluded.dims = '{}'::jsonb THEN t.dims ELSE dims_merge_add.dims_add(t.dims, excluded.dims) END,
    version = DEFAULT;
