-- What PostgreSQL's compression of the breakdown maps costs when rollup rows are stored (docs/benchmarks.md, finding
-- B8; migration V9). An all-instances row's map names every instance ("i:<uuid>": 45 bytes a key): with 500
-- instances 5 kB for a minute, 24 kB for an hour, above the 2 kB from which PostgreSQL compresses a value. 14 000
-- such maps (as many as the all-instances minute and hour rows of the 10 M-row, 500-instance benchmark set), kept as
-- uncompressed text, are stored three times into a msg_hour table of the migrations (a scratch schema), each time
-- parsed as jsonb as COPY would: compressed with pglz (PostgreSQL's default), with lz4 (when the server has it) and
-- not compressed (STORAGE EXTERNAL); then the maps are read back (decompressed) once per table. Each step is timed
-- (\timing), and the tables' sizes shown. Run from the repository root:
--   psql -h 127.0.0.1 -U postgres -f benchmarks/sql/breakdown-compression.sql
\set schema compression_bench
\ir _scratch-schema.sql
\i rollup-store/src/main/resources/db/migration/V1__rollups.sql
\i rollup-store/src/main/resources/db/migration/V3__instance_map_and_versions.sql
SET search_path = public;
CREATE TABLE compression_bench.maps (n int8, dims text);
ALTER TABLE compression_bench.maps ALTER COLUMN dims SET STORAGE EXTERNAL;
-- minute-like maps of 100-200 instances for 13 000 rows, hour-like maps of all 500 for 1 000
INSERT INTO compression_bench.maps
SELECT g, (SELECT jsonb_object_agg('i:' || md5('instance' || i)::uuid, 1 + (g * i) % 37)
             FROM generate_series(1, CASE WHEN g <= 13000 THEN 100 + g % 100 ELSE 500 END) AS i)::text
  FROM generate_series(1, 14000) AS g;
CREATE TABLE compression_bench.as_pglz (LIKE compression_bench.msg_hour INCLUDING ALL);
CREATE TABLE compression_bench.as_lz4 (LIKE compression_bench.msg_hour INCLUDING ALL);
CREATE TABLE compression_bench.as_external (LIKE compression_bench.msg_hour INCLUDING ALL);
ALTER TABLE compression_bench.as_pglz ALTER COLUMN dims SET COMPRESSION pglz;
\set ON_ERROR_STOP off
ALTER TABLE compression_bench.as_lz4 ALTER COLUMN dims SET COMPRESSION lz4;
\set ON_ERROR_STOP on
ALTER TABLE compression_bench.as_external ALTER COLUMN dims SET STORAGE EXTERNAL;
CHECKPOINT;
\timing on
\echo storing the maps: pglz, lz4, not compressed
INSERT INTO compression_bench.as_pglz (src, scope, instance_id, bucket, total, completed, failed, pending, inbound,
    outbound, proc_sum, proc_count, agent_sum, agent_count, dims)
SELECT 1, 0, '00000000-0000-0000-0000-000000000000', n, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, dims::jsonb
  FROM compression_bench.maps;
INSERT INTO compression_bench.as_lz4 (src, scope, instance_id, bucket, total, completed, failed, pending, inbound,
    outbound, proc_sum, proc_count, agent_sum, agent_count, dims)
SELECT 1, 0, '00000000-0000-0000-0000-000000000000', n, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, dims::jsonb
  FROM compression_bench.maps;
INSERT INTO compression_bench.as_external (src, scope, instance_id, bucket, total, completed, failed, pending,
    inbound, outbound, proc_sum, proc_count, agent_sum, agent_count, dims)
SELECT 1, 0, '00000000-0000-0000-0000-000000000000', n, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, dims::jsonb
  FROM compression_bench.maps;
\echo reading the maps back: pglz, lz4, not compressed
SELECT sum(length(dims::text)) FROM compression_bench.as_pglz;
SELECT sum(length(dims::text)) FROM compression_bench.as_lz4;
SELECT sum(length(dims::text)) FROM compression_bench.as_external;
\timing off
SELECT t AS "table", pg_size_pretty(pg_total_relation_size(('compression_bench.' || t)::regclass)) AS size,
       (SELECT string_agg(DISTINCT coalesce(c, 'none'), ',')
          FROM (SELECT pg_column_compression(dims) AS c FROM compression_bench.as_pglz WHERE t = 'as_pglz'
                UNION ALL SELECT pg_column_compression(dims) FROM compression_bench.as_lz4 WHERE t = 'as_lz4'
                UNION ALL SELECT pg_column_compression(dims) FROM compression_bench.as_external
                           WHERE t = 'as_external') AS m) AS compression
  FROM unnest(ARRAY['as_pglz', 'as_lz4', 'as_external']) AS t;
DROP SCHEMA compression_bench CASCADE;
