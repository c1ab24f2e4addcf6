-- The test of MessageRead that sends a row's breakdowns only when the reader does not hold them yet, as a join to
-- the known (bucket, source, version) triples (the form before 2026-12-04) and as a hashed IN subquery (the form
-- MessageRead uses), under a generic plan as the API's pool plans (docs/benchmarks.md, finding Q7). On small tables
-- PostgreSQL expects one row from the index scan and plans the join as a nested loop that compares every row read
-- with every known triple. The tables are the migrations' own, in a scratch schema, filled as the client benchmark's
-- 10 k set: one row a minute for 6 days, all instances and per instance (50). Run from the repository root:
--   psql -h 127.0.0.1 -U postgres -f benchmarks/sql/known-breakdowns-plans.sql
\set schema known_plan_bench
\ir _scratch-schema.sql
\i rollup-store/src/main/resources/db/migration/V1__rollups.sql
\i rollup-store/src/main/resources/db/migration/V2__real_omni.sql
\i rollup-store/src/main/resources/db/migration/V3__instance_map_and_versions.sql
\i rollup-store/src/main/resources/db/migration/V4__instance_row_indexes.sql
INSERT INTO msg_minute (src, scope, instance_id, bucket, total, completed, failed, pending, inbound, outbound,
                        proc_sum, proc_count, agent_sum, agent_count, dims)
SELECT 0, s, CASE s WHEN 0 THEN '00000000-0000-0000-0000-000000000000'::uuid
                    ELSE ('00000000-0000-0000-0000-0000000000' || lpad((m % 50)::text, 2, '0'))::uuid END,
       1764806400 + m * 60, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, '{"c:whatsapp":1,"t:text":1}'::jsonb
  FROM generate_series(0, 8639) AS m, generate_series(0, 1) AS s;
ANALYZE msg_minute;
-- the last 58 minutes of the all-instances rows: 40 known at their versions, 10 at an older one, 8 not known
SELECT array_agg(bucket) FILTER (WHERE n > 8) AS kb, array_agg(src) FILTER (WHERE n > 8) AS ks,
       array_agg(CASE WHEN n % 5 = 0 THEN version - 1 ELSE version END) FILTER (WHERE n > 8) AS kv,
       min(bucket) AS lo, max(bucket) + 60 AS hi
  FROM (SELECT *, row_number() OVER (ORDER BY bucket) AS n
          FROM (SELECT * FROM msg_minute WHERE scope = 0 ORDER BY bucket DESC LIMIT 58) AS last) AS numbered \gset
SET plan_cache_mode = force_generic_plan;
PREPARE joined(int2, uuid, int8, int8, int8[], int2[], int8[]) AS
SELECT r.bucket, CASE WHEN k.v IS DISTINCT FROM r.version THEN r.dims::text END AS dims
  FROM msg_minute AS r LEFT JOIN unnest($5, $6, $7) AS k(b, s, v) ON k.b = r.bucket AND k.s = r.src
 WHERE r.scope = $1 AND r.instance_id = $2 AND r.bucket >= $3 AND r.bucket < $4;
PREPARE hashed(int2, uuid, int8, int8, int8[], int2[], int8[]) AS
SELECT r.bucket, CASE WHEN (r.bucket, r.src, r.version) IN (SELECT * FROM unnest($5, $6, $7)) THEN NULL
                      ELSE r.dims::text END AS dims
  FROM msg_minute AS r
 WHERE r.scope = $1 AND r.instance_id = $2 AND r.bucket >= $3 AND r.bucket < $4;
\set args '0, ''00000000-0000-0000-0000-000000000000'', ' :lo ', ' :hi ', ' :'kb' ', ' :'ks' ', ' :'kv'
\echo join to the known triples, generic plan:
EXPLAIN (ANALYZE, COSTS OFF, SUMMARY OFF, TIMING ON) EXECUTE joined(:args);
\echo hashed IN subquery, generic plan:
EXPLAIN (ANALYZE, COSTS OFF, SUMMARY OFF, TIMING ON) EXECUTE hashed(:args);
\echo each form twice, timed (the time of each is the line after its label):
\o /dev/null
\timing on
\echo join:
EXECUTE joined(:args);
\echo join:
EXECUTE joined(:args);
\echo hashed:
EXECUTE hashed(:args);
\echo hashed:
EXECUTE hashed(:args);
\timing off
\o
CREATE TEMP TABLE a AS EXECUTE joined(:args);
CREATE TEMP TABLE b AS EXECUTE hashed(:args);
\echo rows, rows whose breakdowns were sent (18: the stale and the unknown), rows that differ between the forms (0):
SELECT (SELECT count(*) FROM a) AS rows, (SELECT count(dims) FROM a) AS sent,
       (SELECT count(*) FROM ((TABLE a EXCEPT TABLE b) UNION ALL (TABLE b EXCEPT TABLE a)) AS d) AS differing;
SET search_path = public;
DROP SCHEMA known_plan_bench CASCADE;
