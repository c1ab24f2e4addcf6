-- Included by dims-merge.sql: the writer's upsert of rows whose merged map it gives (round :round's maps), taking
-- each row only at the version it remembers (here every row's current one, read beforehand, untimed).
\timing off
DROP TABLE IF EXISTS given;
CREATE TEMP TABLE given AS
SELECT m.scope, m.instance_id, m.bucket, m.dims, r.version
  FROM merged AS m JOIN dims_merge_given.msg_hour AS r USING (scope, instance_id, bucket)
 WHERE m.round = :round ORDER BY m.scope, m.bucket, m.instance_id;
\timing on
INSERT INTO dims_merge_given.msg_hour AS t (src, scope, instance_id, bucket, total, completed, failed, pending,
    inbound, outbound, proc_sum, proc_count, agent_sum, agent_count, dims, version)
SELECT 0, scope, instance_id, bucket, 2, 2, 0, 0, 1, 1, 0, 0, 0, 0, dims, version FROM given
ON CONFLICT (scope, bucket, instance_id, src) DO UPDATE SET total = t.total + excluded.total,
    completed = t.completed + excluded.completed, inbound = t.inbound + excluded.inbound,
    outbound = t.outbound + excluded.outbound, dims = excluded.dims, version = DEFAULT
 WHERE t.version = excluded.version;
