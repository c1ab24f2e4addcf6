-- What storing a backfill's rollup rows costs, part by part (docs/benchmarks.md, finding B8). The minute and hour
-- message rows of a finished backfill (schema row_write_src) are written out once with \copy, then loaded again
-- with \copy into fresh tables with the same columns and primary key (a scratch schema), one variant at a time, each timed:
-- as text with their versions; as text with the version left to the column's default (a nextval per row); in the
-- binary format; with dims as text (no JSON parsing); without dims; and the all-instances rows (scope 0) and the
-- per-instance rows (scope 1) alone, with dims compressed by pglz, by lz4 and (scope 0) not at all. The backfill
-- stores dims as text since migration V10 (finding B9); the variants that load them as jsonb, as before, make the
-- column jsonb (and write the binary files with jsonb's binary form). Needs a
-- backfilled schema, e.g. of the 10 M-row, 500-instance benchmark set:
--   OMNI_ROLLUP_DATABASE_URL='jdbc:postgresql://127.0.0.1:5432/omni_rollup_client_10m_i500_d60?user=postgres' \
--     OMNI_ROLLUP_ROLLUP_SCHEMA=row_write_src ./omni-rollup backfill
--   psql -h 127.0.0.1 -U postgres -d omni_rollup_client_10m_i500_d60 -f benchmarks/sql/rollup-row-write.sql
-- The files go to /tmp/rollup-row-write-* (about 1.5 GB at that size) and are removed at the end; the scratch schema
-- row_write_bench is dropped. (\copy takes no variables: the schemas are named here.)
\set ON_ERROR_STOP on
\set QUIET on
SET client_min_messages = warning;
\echo writing the rows out
\copy (SELECT * FROM row_write_src.msg_minute) TO '/tmp/rollup-row-write-minute.txt'
\copy (SELECT * FROM row_write_src.msg_hour) TO '/tmp/rollup-row-write-hour.txt'
\copy (SELECT src, scope, instance_id, bucket, total, completed, failed, pending, inbound, outbound, proc_sum, proc_count, agent_sum, agent_count, dims::jsonb, version FROM row_write_src.msg_minute) TO '/tmp/rollup-row-write-minute.bin' WITH (FORMAT binary)
\copy (SELECT src, scope, instance_id, bucket, total, completed, failed, pending, inbound, outbound, proc_sum, proc_count, agent_sum, agent_count, dims::jsonb, version FROM row_write_src.msg_hour) TO '/tmp/rollup-row-write-hour.bin' WITH (FORMAT binary)
\copy (SELECT src, scope, instance_id, bucket, total, completed, failed, pending, inbound, outbound, proc_sum, proc_count, agent_sum, agent_count, dims FROM row_write_src.msg_minute) TO '/tmp/rollup-row-write-minute.seq'
\copy (SELECT src, scope, instance_id, bucket, total, completed, failed, pending, inbound, outbound, proc_sum, proc_count, agent_sum, agent_count, dims FROM row_write_src.msg_hour) TO '/tmp/rollup-row-write-hour.seq'
\copy (SELECT src, scope, instance_id, bucket, total, completed, failed, pending, inbound, outbound, proc_sum, proc_count, agent_sum, agent_count, version FROM row_write_src.msg_minute) TO '/tmp/rollup-row-write-minute.nod'
\copy (SELECT src, scope, instance_id, bucket, total, completed, failed, pending, inbound, outbound, proc_sum, proc_count, agent_sum, agent_count, version FROM row_write_src.msg_hour) TO '/tmp/rollup-row-write-hour.nod'
\copy (SELECT * FROM row_write_src.msg_minute WHERE scope = 0) TO '/tmp/rollup-row-write-minute.s0'
\copy (SELECT * FROM row_write_src.msg_hour WHERE scope = 0) TO '/tmp/rollup-row-write-hour.s0'
\copy (SELECT * FROM row_write_src.msg_minute WHERE scope = 1) TO '/tmp/rollup-row-write-minute.s1'
\copy (SELECT * FROM row_write_src.msg_hour WHERE scope = 1) TO '/tmp/rollup-row-write-hour.s1'
SELECT count(*) FILTER (WHERE scope = 0) AS "all-instances rows", count(*) FILTER (WHERE scope = 1) AS "per-instance rows"
  FROM (SELECT scope FROM row_write_src.msg_minute UNION ALL SELECT scope FROM row_write_src.msg_hour) AS r;
-- :variant names the run; :kind is jsonb, text or none (no dims); :compression pglz, lz4 or external; :ext the files
\set variant 'text, version given'
\set kind jsonb
\set compression pglz
\set ext txt
\ir _rollup-row-write-load.sql
\set variant 'text, version by nextval'
\set ext seq
\ir _rollup-row-write-load.sql
\set variant 'binary'
\set ext bin
\ir _rollup-row-write-load.sql
\set variant 'text, dims as text'
\set kind text
\set ext txt
\ir _rollup-row-write-load.sql
\set variant 'text, no dims'
\set kind none
\set ext nod
\ir _rollup-row-write-load.sql
\set kind jsonb
\set ext s0
\set variant 'all-instances rows, pglz'
\ir _rollup-row-write-load.sql
\set variant 'all-instances rows, lz4'
\set compression lz4
\ir _rollup-row-write-load.sql
\set variant 'all-instances rows, not compressed'
\set compression external
\ir _rollup-row-write-load.sql
\set ext s1
\set variant 'per-instance rows, pglz'
\set compression pglz
\ir _rollup-row-write-load.sql
\set variant 'per-instance rows, lz4'
\set compression lz4
\ir _rollup-row-write-load.sql
DROP SCHEMA IF EXISTS row_write_bench CASCADE;
\! rm -f /tmp/rollup-row-write-*
