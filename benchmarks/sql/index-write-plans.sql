-- The index write of MessageIndex.WRITE (5 000 ids, all present) with a custom plan and with a generic one. Its
-- conflict filter `t.external_id = ANY(:locked)` is hashed only when the array is a constant, as in a custom plan;
-- a generic plan (PostgreSQL may switch to one after five executions of a prepared statement) scans the array for
-- every conflicting row. Not seen in the ingest's profiles so far; docs/benchmarks.md, finding I8. Run from the
-- repository root:
--   psql -h 127.0.0.1 -U postgres -f benchmarks/sql/index-write-plans.sql
\set ON_ERROR_STOP on
\set QUIET on
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS index_plan_bench CASCADE;
CREATE SCHEMA index_plan_bench;
SET search_path = index_plan_bench;
\i rollup-store/src/main/resources/db/migration/V1__rollups.sql
INSERT INTO message_index SELECT 'id-' || g, '\x0102030405060708'::bytea, 1 FROM generate_series(1, 5000) AS g;
CREATE TABLE args AS SELECT array_agg('id-' || g) AS ids, array_agg('\x0102030405060709'::bytea) AS states
  FROM generate_series(1, 5000) AS g;
SELECT ids, states FROM args \gset
PREPARE write_index(text[], bytea[], text[]) AS
INSERT INTO message_index AS t (external_id, state, touched_at)
SELECT u.id, u.state, 2 FROM unnest($1, $2) AS u(id, state)
ON CONFLICT (external_id) DO UPDATE SET state = excluded.state, touched_at = excluded.touched_at
 WHERE t.external_id = ANY($3)
RETURNING external_id;
\echo custom plan (the array hashed), then generic plan (the array scanned per row), each twice; the time of each write
\echo is the line after its label (the others are BEGIN and ROLLBACK)
\o /dev/null
\timing on
SET plan_cache_mode = force_custom_plan;
BEGIN;
\echo custom plan, the write:
EXECUTE write_index(:'ids', :'states', :'ids');
ROLLBACK;
BEGIN;
\echo custom plan, the write:
EXECUTE write_index(:'ids', :'states', :'ids');
ROLLBACK;
SET plan_cache_mode = force_generic_plan;
BEGIN;
\echo generic plan, the write:
EXECUTE write_index(:'ids', :'states', :'ids');
ROLLBACK;
BEGIN;
\echo generic plan, the write:
EXECUTE write_index(:'ids', :'states', :'ids');
ROLLBACK;
\timing off
\o
DROP SCHEMA index_plan_bench CASCADE;
