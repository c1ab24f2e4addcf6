-- The index write of MessageIndex.WRITE (5 000 ids, all present) under a custom plan and under a generic one, with
-- its conflict filter written two ways: `t.external_id = ANY($3)` (the form before 2026-12-04) is hashed only when the
-- array is a constant, as in a custom plan, and scanned for every conflicting row under a generic plan (PostgreSQL may
-- switch to one after five executions of a prepared statement); `t.external_id IN (SELECT unnest($3))` (the form
-- MessageIndex uses) is a hashed subplan under both. docs/benchmarks.md, finding I8. Run from the repository root:
--   psql -h 127.0.0.1 -U postgres -f benchmarks/sql/index-write-plans.sql
\set schema index_plan_bench
\ir _scratch-schema.sql
\i rollup-store/src/main/resources/db/migration/V1__rollups.sql
INSERT INTO message_index SELECT 'id-' || g, '\x0102030405060708'::bytea, 1 FROM generate_series(1, 5000) AS g;
CREATE TABLE args AS SELECT array_agg('id-' || g) AS ids, array_agg('\x0102030405060709'::bytea) AS states
  FROM generate_series(1, 5000) AS g;
SELECT ids, states FROM args \gset
PREPARE write_any(text[], bytea[], text[]) AS
INSERT INTO message_index AS t (external_id, state, touched_at)
SELECT u.id, u.state, 2 FROM unnest($1, $2) AS u(id, state)
ON CONFLICT (external_id) DO UPDATE SET state = excluded.state, touched_at = excluded.touched_at
 WHERE t.external_id = ANY($3)
RETURNING external_id;
PREPARE write_in(text[], bytea[], text[]) AS
INSERT INTO message_index AS t (external_id, state, touched_at)
SELECT u.id, u.state, 2 FROM unnest($1, $2) AS u(id, state)
ON CONFLICT (external_id) DO UPDATE SET state = excluded.state, touched_at = excluded.touched_at
 WHERE t.external_id IN (SELECT unnest($3))
RETURNING external_id;
\echo each write twice; the time of each is the line after its label (the others are BEGIN and ROLLBACK)
\o /dev/null
\timing on
SET plan_cache_mode = force_custom_plan;
\set mode custom
\ir _index-write-forms.sql
SET plan_cache_mode = force_generic_plan;
\set mode generic
\ir _index-write-forms.sql
\timing off
\o
DROP SCHEMA index_plan_bench CASCADE;
