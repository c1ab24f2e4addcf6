-- Which rewrites of message_index PostgreSQL can do in place (HOT): on PostgreSQL 15 an update that changes a column
-- any index covers -- the BRIN index on touched_at included -- never is (docs/benchmarks.md, finding I8). On two
-- copies of the table as the migrations create it (a scratch schema), 10 000 rows are rewritten once with a new
-- touched_at and once with touched_at left alone. Run from the repository root:
--   psql -h 127.0.0.1 -U postgres -f benchmarks/sql/hot-updates.sql
\set schema hot_bench_a
\ir _scratch-schema.sql
\i rollup-store/src/main/resources/db/migration/V1__rollups.sql
\set schema hot_bench_b
\ir _scratch-schema.sql
\i rollup-store/src/main/resources/db/migration/V1__rollups.sql
SET search_path = public;
INSERT INTO hot_bench_a.message_index SELECT 'id-' || g, '\x01020304'::bytea, 1 FROM generate_series(1, 10000) AS g;
INSERT INTO hot_bench_b.message_index SELECT * FROM hot_bench_a.message_index;
BEGIN;
UPDATE hot_bench_a.message_index SET state = '\x05060708'::bytea, touched_at = 2;
UPDATE hot_bench_b.message_index SET state = '\x05060708'::bytea;
\echo rows rewritten, and of them in place (HOT): touched_at changed, then left alone
SELECT pg_stat_get_xact_tuples_updated('hot_bench_a.message_index'::regclass) AS updated,
       pg_stat_get_xact_tuples_hot_updated('hot_bench_a.message_index'::regclass) AS hot
UNION ALL
SELECT pg_stat_get_xact_tuples_updated('hot_bench_b.message_index'::regclass),
       pg_stat_get_xact_tuples_hot_updated('hot_bench_b.message_index'::regclass);
COMMIT;
DROP SCHEMA hot_bench_a CASCADE;
DROP SCHEMA hot_bench_b CASCADE;
