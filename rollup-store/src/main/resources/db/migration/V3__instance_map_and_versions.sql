-- Reads whose cost does not grow with the number of instances (see docs/architecture.md, "Reads"):
--
-- 1. The all-instances rows (scope 0) carry the per-instance counts in their `dims` map, under "i:<instance uuid>",
--    so the `instances` map of a window is read from the same rows as every other breakdown: a window reads its
--    bucket rows once, however many instances exist. The per-instance rows (scope 1) stay for `?instanceId=`.
-- 2. Every message row has a version, taken from one sequence whenever the row is written, so a reader can keep the
--    decoded breakdowns of a row and fetch them again only when the version moved.

CREATE SEQUENCE row_version;

ALTER TABLE msg_minute ADD COLUMN version bigint NOT NULL DEFAULT nextval('row_version');
ALTER TABLE msg_hour   ADD COLUMN version bigint NOT NULL DEFAULT nextval('row_version');
ALTER TABLE msg_day    ADD COLUMN version bigint NOT NULL DEFAULT nextval('row_version');
ALTER TABLE msg_total  ADD COLUMN version bigint NOT NULL DEFAULT nextval('row_version');

UPDATE msg_minute t SET dims = dims_add(t.dims, s.counts)
  FROM (SELECT bucket, src, jsonb_object_agg('i:' || instance_id, total) AS counts FROM msg_minute
        WHERE scope = 1 AND total <> 0 GROUP BY bucket, src) AS s
 WHERE t.scope = 0 AND t.bucket = s.bucket AND t.src = s.src;
UPDATE msg_hour t SET dims = dims_add(t.dims, s.counts)
  FROM (SELECT bucket, src, jsonb_object_agg('i:' || instance_id, total) AS counts FROM msg_hour
        WHERE scope = 1 AND total <> 0 GROUP BY bucket, src) AS s
 WHERE t.scope = 0 AND t.bucket = s.bucket AND t.src = s.src;
UPDATE msg_day t SET dims = dims_add(t.dims, s.counts)
  FROM (SELECT bucket, src, jsonb_object_agg('i:' || instance_id, total) AS counts FROM msg_day
        WHERE scope = 1 AND total <> 0 GROUP BY bucket, src) AS s
 WHERE t.scope = 0 AND t.bucket = s.bucket AND t.src = s.src;
UPDATE msg_total t SET dims = dims_add(t.dims, s.counts)
  FROM (SELECT bucket, src, jsonb_object_agg('i:' || instance_id, total) AS counts FROM msg_total
        WHERE scope = 1 AND total <> 0 GROUP BY bucket, src) AS s
 WHERE t.scope = 0 AND t.bucket = s.bucket AND t.src = s.src;
