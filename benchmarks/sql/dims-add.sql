-- dims_add before and after migration V7 (docs/benchmarks.md, finding I8), timed in psql on scratch schemas that
-- the migrations themselves create: V1 alone, and V1 then V7. Run from the repository root:
--   psql -h 127.0.0.1 -U postgres -f benchmarks/sql/dims-add.sql
-- Each "Time:" pair is V1 then V7: 2 500 rows with a 4-key change (a batch's per-instance rows at 500
-- instances), then one 520-key map plus a 500-key change (an all-instances row's instance map), 200 times.
\set schema dims_bench_v1
\ir _scratch-schema.sql
\i rollup-store/src/main/resources/db/migration/V1__rollups.sql
\set schema dims_bench_v7
\ir _scratch-schema.sql
\i rollup-store/src/main/resources/db/migration/V1__rollups.sql
\i rollup-store/src/main/resources/db/migration/V7__dims_add_by_key.sql
SET search_path = public;
CREATE TEMP TABLE small_rows AS
SELECT ('{"c:whatsapp":' || g || ',"t:text":5,"t:image":3,"s:completed":7,"s:received":2,"d:inbound":4,'
        || '"d:outbound":3,"m:text":1,"e:x":2,"c:telegram":1}')::jsonb AS dims
  FROM generate_series(1, 2500) AS g;
CREATE TEMP TABLE big_rows AS
SELECT (SELECT jsonb_object_agg('i:' || g, g) FROM generate_series(1, 520) AS g) AS a,
       (SELECT jsonb_object_agg('i:' || g, 1) FROM generate_series(20, 520) AS g) AS b
  FROM generate_series(1, 200);
\echo 2 500 rows, 4-key change: V1, then V7 (second run of each, warm)
\timing on
SELECT sum(length(dims_bench_v1.dims_add(dims, '{"c:whatsapp":3,"t:text":2,"s:completed":1,"d:inbound":2}')::text)) FROM small_rows;
SELECT sum(length(dims_bench_v1.dims_add(dims, '{"c:whatsapp":3,"t:text":2,"s:completed":1,"d:inbound":2}')::text)) FROM small_rows;
SELECT sum(length(dims_bench_v7.dims_add(dims, '{"c:whatsapp":3,"t:text":2,"s:completed":1,"d:inbound":2}')::text)) FROM small_rows;
SELECT sum(length(dims_bench_v7.dims_add(dims, '{"c:whatsapp":3,"t:text":2,"s:completed":1,"d:inbound":2}')::text)) FROM small_rows;
\timing off
\echo 200 times a 520-key map plus a 500-key change: V1, then V7
\timing on
SELECT sum(length(dims_bench_v1.dims_add(a, b)::text)) FROM big_rows;
SELECT sum(length(dims_bench_v7.dims_add(a, b)::text)) FROM big_rows;
\timing off
\echo the same results
SELECT bool_and(dims_bench_v1.dims_add(dims, '{"c:whatsapp":3,"t:text":-5,"s:new":1}')
                = dims_bench_v7.dims_add(dims, '{"c:whatsapp":3,"t:text":-5,"s:new":1}')) FROM small_rows;
SELECT bool_and(dims_bench_v1.dims_add(a, b) = dims_bench_v7.dims_add(a, b)) FROM big_rows;
DROP SCHEMA dims_bench_v1 CASCADE;
DROP SCHEMA dims_bench_v7 CASCADE;
