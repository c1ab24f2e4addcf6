-- Two forms of the live writer's write of the rows whose version it remembers (docs/benchmarks.md, finding I15), as
-- PostgreSQL plans and runs them for 1 500 per-instance minute rows (500 instances, 3 minutes): an UPDATE … FROM the
-- rows' unnest, and the upsert RollupWriter uses (INSERT … ON CONFLICT DO UPDATE … WHERE t.version =
-- excluded.version). `msg_minute` as the migrations create it, in a scratch schema, first with 60 000 rows (two hours
-- of 500 instances, as the ingest benchmark leaves it), then with 1 440 000 (two days). Each statement runs under
-- EXPLAIN ANALYZE in a transaction rolled back; every version is one no row has, so nothing is changed. Run from the
-- repository root:
--   psql -h 127.0.0.1 -U postgres -f benchmarks/sql/known-rows-plans.sql
\set schema known_rows_bench
\ir _scratch-schema.sql
\i rollup-store/src/main/resources/db/migration/V1__rollups.sql
\i rollup-store/src/main/resources/db/migration/V3__instance_map_and_versions.sql
\i rollup-store/src/main/resources/db/migration/V4__instance_row_indexes.sql
\set minutes 120
\ir _known-rows-plans.sql
\set minutes 2880
\ir _known-rows-plans.sql
DROP SCHEMA known_rows_bench CASCADE;
