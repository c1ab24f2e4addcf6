-- Included by known-rows-plans.sql: msg_minute filled with :minutes minutes of 500 instances, then both forms.
TRUNCATE msg_minute;
INSERT INTO msg_minute (src, scope, instance_id, bucket, total, completed, failed, pending, inbound, outbound,
    proc_sum, proc_count, agent_sum, agent_count, dims)
SELECT 0, 1, ('00000000-0000-0000-0000-' || lpad(to_hex(i), 12, '0'))::uuid, m * 60, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0,
       '{"c:whatsapp": 3, "t:text": 2}'
  FROM generate_series(1, 500) AS i, generate_series(1, :minutes) AS m;
VACUUM ANALYZE msg_minute;
SELECT array_agg(1::int2) AS scopes,
       array_agg(('00000000-0000-0000-0000-' || lpad(to_hex(i), 12, '0'))::uuid) AS instances,
       array_agg(m * 60::int8) AS buckets, array_agg(0::int8) AS versions,
       jsonb_agg('{"c:whatsapp": 4}'::jsonb)::text AS maps
  FROM generate_series(1, 500) AS i, generate_series(:minutes - 2, :minutes) AS m \gset
\echo :minutes minutes of 500 instances: UPDATE … FROM, then the upsert
BEGIN;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
UPDATE msg_minute AS t SET total = t.total + 1, dims = u.dims, version = DEFAULT
  FROM ROWS FROM (unnest(:'scopes'::int2[]), unnest(:'instances'::uuid[]), unnest(:'buckets'::int8[]),
       unnest(:'versions'::int8[]), jsonb_array_elements(:'maps'::jsonb)) AS u(scope, instance_id, bucket, expected, dims)
 WHERE t.scope = u.scope AND t.bucket = u.bucket AND t.instance_id = u.instance_id AND t.src = 0
   AND t.version = u.expected;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
INSERT INTO msg_minute AS t (src, scope, instance_id, bucket, total, completed, failed, pending, inbound, outbound,
    proc_sum, proc_count, agent_sum, agent_count, dims, version)
SELECT 0, u.scope, u.instance_id, u.bucket, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, u.dims, u.expected
  FROM ROWS FROM (unnest(:'scopes'::int2[]), unnest(:'instances'::uuid[]), unnest(:'buckets'::int8[]),
       unnest(:'versions'::int8[]), jsonb_array_elements(:'maps'::jsonb)) AS u(scope, instance_id, bucket, expected, dims)
ON CONFLICT (scope, bucket, instance_id, src) DO UPDATE SET total = t.total + excluded.total, dims = excluded.dims,
    version = DEFAULT
 WHERE t.version = excluded.version;
ROLLBACK;
