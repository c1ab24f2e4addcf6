-- What one refresh of the API's live counts costs where Omni keeps many payloads (docs/compatibility.md): the
-- count of the stored payloads that are not deleted and the sum of their compressed sizes, over 5 M rows of Omni's
-- event_payloads (a tenth deleted, 400-byte payloads) in a scratch schema, timed twice the way the API's pool runs
-- it (no parallel workers) and once with PostgreSQL's defaults. Run from the repository root (about three minutes):
--   psql -h 127.0.0.1 -U postgres -f benchmarks/sql/live-counts.sql
\set schema live_counts_bench
\ir _scratch-schema.sql
\i deploy/sql/omni-schema.sql
INSERT INTO event_payloads (event_id, event_type, stage, payload_compressed, payload_size_original,
                            payload_size_compressed, deleted_at)
SELECT gen_random_uuid()::text, 'message.received', 'webhook', repeat('x', 400), 900, 400,
       CASE WHEN g % 10 = 0 THEN now() END
  FROM generate_series(1, 5000000) AS g;
VACUUM ANALYZE event_payloads;
\echo table size
SELECT pg_size_pretty(pg_total_relation_size('event_payloads'));
\timing on
SET max_parallel_workers_per_gather = 0;
\echo the refresh as the API runs it, without parallel workers, twice
SELECT count(*), coalesce(sum(payload_size_compressed), 0) FROM event_payloads WHERE deleted_at IS NULL;
SELECT count(*), coalesce(sum(payload_size_compressed), 0) FROM event_payloads WHERE deleted_at IS NULL;
RESET max_parallel_workers_per_gather;
\echo with the server defaults, parallel workers allowed
SELECT count(*), coalesce(sum(payload_size_compressed), 0) FROM event_payloads WHERE deleted_at IS NULL;
\timing off
SET search_path = public;
DROP SCHEMA live_counts_bench CASCADE;
