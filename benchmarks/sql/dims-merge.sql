-- A counter upsert that merges the breakdown maps in PostgreSQL (dims_add of migration V7) against one that is
-- given each row's merged map, as the live writer does for the rows whose version it remembers (finding I15 of
-- docs/benchmarks.md). Two scratch schemas built by the migrations V1, V3 and V7, each with 3 000 per-instance hour
-- rows (500 instances, 6 hours) holding 20 breakdown keys; each statement adds a 12-key change to all of them, as one
-- batch at 500 instances does to its hour, day and total rows. Run from the repository root:
--   psql -h 127.0.0.1 -U postgres -f benchmarks/sql/dims-merge.sql
-- "Time:" lines: three upserts with dims_add, then three with the merged maps given; then whether both schemas hold
-- the same rows.
\set schema dims_merge_add
\ir _scratch-schema.sql
\i rollup-store/src/main/resources/db/migration/V1__rollups.sql
\i rollup-store/src/main/resources/db/migration/V3__instance_map_and_versions.sql
\i rollup-store/src/main/resources/db/migration/V7__dims_add_by_key.sql
\set schema dims_merge_given
\ir _scratch-schema.sql
\i rollup-store/src/main/resources/db/migration/V1__rollups.sql
\i rollup-store/src/main/resources/db/migration/V3__instance_map_and_versions.sql
\i rollup-store/src/main/resources/db/migration/V7__dims_add_by_key.sql
SET search_path = public;
CREATE TEMP TABLE rows_before AS
SELECT 1::int2 AS scope, ('00000000-0000-0000-0000-' || lpad(to_hex(i), 12, '0'))::uuid AS instance_id,
       (h * 3600)::int8 AS bucket,
       (SELECT jsonb_object_agg(k, 7) FROM unnest(ARRAY['c:whatsapp', 't:text', 't:image', 't:audio', 't:video',
            'e:message.sent', 'e:message.received', 'e:message.delivered', 'e:message.read', 'e:message.failed',
            'p:1', 'p:2', 'p:3', 'p:4', 'p:5', 'a:1', 'a:2', 'a:3', 'a:4', 's:send']) AS k) AS dims
  FROM generate_series(1, 500) AS i, generate_series(1, 6) AS h;
CREATE TEMP TABLE change AS
SELECT scope, instance_id, bucket,
       (SELECT jsonb_object_agg(k, 2) FROM unnest(ARRAY['c:whatsapp', 't:text', 't:image', 'e:message.sent',
            'e:message.delivered', 'e:message.read', 'p:1', 'p:2', 'p:6', 'a:1', 'a:5', 's:send']) AS k) AS dims
  FROM rows_before;
INSERT INTO dims_merge_add.msg_hour (src, scope, instance_id, bucket, total, completed, failed, pending, inbound,
    outbound, proc_sum, proc_count, agent_sum, agent_count, dims)
SELECT 0, scope, instance_id, bucket, 20, 20, 0, 0, 10, 10, 0, 0, 0, 0, dims FROM rows_before;
INSERT INTO dims_merge_given.msg_hour SELECT * FROM dims_merge_add.msg_hour;
-- the maps the writer would give: the stored maps plus three changes, merged in Java (here by dims_add, untimed)
CREATE TEMP TABLE merged AS
SELECT c.scope, c.instance_id, c.bucket, n AS round,
       (SELECT CASE n WHEN 1 THEN dims_merge_add.dims_add(r.dims, c.dims)
                      WHEN 2 THEN dims_merge_add.dims_add(dims_merge_add.dims_add(r.dims, c.dims), c.dims)
                      ELSE dims_merge_add.dims_add(dims_merge_add.dims_add(dims_merge_add.dims_add(r.dims, c.dims),
                           c.dims), c.dims) END) AS dims
  FROM change AS c JOIN rows_before AS r USING (scope, instance_id, bucket), generate_series(1, 3) AS n;
VACUUM ANALYZE dims_merge_add.msg_hour, dims_merge_given.msg_hour;
\echo 3 000 rows, a 12-key change each: three upserts merging with dims_add, then three given the merged maps
\timing on
\set method add
\ir _dims-merge-rounds.sql
\set method given
\ir _dims-merge-rounds.sql
\timing off
\echo the same rows in both schemas (counters and maps)
SELECT count(*) AS rows, bool_and(a.total = g.total AND a.dims = g.dims) AS same
  FROM dims_merge_add.msg_hour AS a JOIN dims_merge_given.msg_hour AS g USING (scope, bucket, instance_id, src);
DROP SCHEMA dims_merge_add CASCADE;
DROP SCHEMA dims_merge_given CASCADE;
