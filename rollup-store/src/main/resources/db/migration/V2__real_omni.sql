-- What a real Omni needs beyond V1 (see docs/compatibility.md):
--
-- 1. Automation executions come from Omni's automation_logs table (Omni publishes nothing about them), tailed by
--    the ingest and backfilled before the cutover. Deleting an automation cascades its logs away in Omni, so the
--    automation rollups keep a per-automation scope next to the all-automations one: a deleted automation's rows are
--    subtracted from scope 0 and dropped, without reading automation_logs.
-- 2. What backfill counts for a pre-cutover row is pinned instead of re-read from omni_events, whose status Omni's own
--    consumer may have changed since (a receipt it processed before we did).

-- (1) automation rollups get a scope: 0 = every automation (automation_id is the nil UUID), 1 = one automation.
-- Rows from before this migration stay in scope 0; they have no per-automation split, so a deletion cannot take them
-- back: re-run backfill after upgrading (the README says so).
ALTER TABLE auto_minute ADD COLUMN scope smallint NOT NULL DEFAULT 0,
                        ADD COLUMN automation_id uuid NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000';
ALTER TABLE auto_hour   ADD COLUMN scope smallint NOT NULL DEFAULT 0,
                        ADD COLUMN automation_id uuid NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000';
ALTER TABLE auto_day    ADD COLUMN scope smallint NOT NULL DEFAULT 0,
                        ADD COLUMN automation_id uuid NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000';
ALTER TABLE auto_total  ADD COLUMN scope smallint NOT NULL DEFAULT 0,
                        ADD COLUMN automation_id uuid NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000';
ALTER TABLE auto_minute DROP CONSTRAINT auto_minute_pkey, ADD PRIMARY KEY (scope, bucket, automation_id, src);
ALTER TABLE auto_hour   DROP CONSTRAINT auto_hour_pkey,   ADD PRIMARY KEY (scope, bucket, automation_id, src);
ALTER TABLE auto_day    DROP CONSTRAINT auto_day_pkey,    ADD PRIMARY KEY (scope, bucket, automation_id, src);
ALTER TABLE auto_total  DROP CONSTRAINT auto_total_pkey,  ADD PRIMARY KEY (scope, bucket, automation_id, src);
ALTER TABLE auto_minute ALTER COLUMN scope DROP DEFAULT, ALTER COLUMN automation_id DROP DEFAULT;
ALTER TABLE auto_hour   ALTER COLUMN scope DROP DEFAULT, ALTER COLUMN automation_id DROP DEFAULT;
ALTER TABLE auto_day    ALTER COLUMN scope DROP DEFAULT, ALTER COLUMN automation_id DROP DEFAULT;
ALTER TABLE auto_total  ALTER COLUMN scope DROP DEFAULT, ALTER COLUMN automation_id DROP DEFAULT;
-- finding a deleted automation's rows: (scope 1, automation) without the bucket
CREATE INDEX auto_minute_automation ON auto_minute (automation_id) WHERE scope = 1;
CREATE INDEX auto_hour_automation   ON auto_hour (automation_id) WHERE scope = 1;
CREATE INDEX auto_day_automation    ON auto_day (automation_id) WHERE scope = 1;

-- The tail of automation_logs: the newest created_at it has counted (the high-water mark) and the rows it counted
-- within the look-back window behind it (rows commit late, with a created_at older than rows already seen).
CREATE TABLE automation_tail (
    id           smallint  PRIMARY KEY CHECK (id = 1),
    high_water   timestamp NOT NULL
);
CREATE TABLE automation_seen (
    log_id     uuid      PRIMARY KEY,
    created_at timestamp NOT NULL
);
CREATE INDEX automation_seen_created ON automation_seen (created_at);

-- (2) seed_override becomes seed_status: the status the backfill layer counts a pre-cutover omni_events row with,
-- pinned by whichever of backfill and the live receipt fold read the row first (a live pin holds the status the
-- row had when the receipt was folded; a backfill pin the status it counted when that differs from what the row's
-- event type inserts). Rows without a pin count with the status their event type inserts once their day is
-- backfilled; before that, with the status the row has when it is first read.
ALTER TABLE seed_override RENAME TO seed_status;
ALTER TABLE seed_status RENAME CONSTRAINT seed_override_pkey TO seed_status_pkey;
-- A day is "pinned" once a backfill run has recorded the pins of its rows (runs before this version did not):
-- from then on its unpinned rows count with the status their event type inserts, whatever Omni changes later.
ALTER TABLE backfill_days ADD COLUMN pinned boolean NOT NULL DEFAULT false;
