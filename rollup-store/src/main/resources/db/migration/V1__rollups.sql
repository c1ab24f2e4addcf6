-- omni-rollup's own schema. Flyway runs this with the rollup schema (default `rollup`) as the current schema;
-- nothing here touches Omni's tables.
--
-- Time: every bucket is a bigint, the UTC epoch second at which the bucket starts. Grains: minute (kept 9 days,
-- read for the last 8), hour and day (kept forever) and total (bucket = 0, the running all-time sum).
--
-- Layers: `src` 0 is written by the live ingest (events at or after the cutover instant), `src` 1 by backfill
-- (Omni's rows before the cutover). Backfill replaces its own layer a day at a time and never touches the live
-- one; reads sum both.
--
-- Scope: `scope` 0 rows count every instance (instance_id is the nil UUID there and means nothing); `scope` 1 rows
-- count one instance. Rows of events without an instance exist only in scope 0, exactly like upstream's
-- `instances` map drops NULL instance ids.
--
-- Read bound: a window [since, until] is cut into at most five runs of buckets: minutes up to the first hour
-- boundary, hours up to the first day boundary, days, hours, minutes (see BucketPlan). With at most 59 + 23 + D +
-- 23 + 59 buckets (D = whole days inside the window; an open `until` reads day buckets onwards) and at most two
-- layers, a 24 h window reads <= 166 rows of one scope (<= 166 per instance for the `instances` map); `allTime`
-- reads the total rows. The open-keyed breakdowns travel inside each row (`dims`), so they add no rows.

-- One row of message counters per (layer, scope, instance, bucket). `dims` holds the open-keyed breakdowns as
-- {"<d>:<key>": count}: c channel, t content type, e error stage, v event type, p processing_time_ms histogram bin,
-- a agent_latency_ms histogram bin (see LatencyBins); keys whose count is 0 are dropped.
CREATE TABLE msg_minute (
    src         smallint NOT NULL,
    scope       smallint NOT NULL,
    instance_id uuid     NOT NULL,
    bucket      bigint   NOT NULL,
    total       bigint   NOT NULL,
    completed   bigint   NOT NULL,
    failed      bigint   NOT NULL,
    pending     bigint   NOT NULL,
    inbound     bigint   NOT NULL,
    outbound    bigint   NOT NULL,
    proc_sum    bigint   NOT NULL,
    proc_count  bigint   NOT NULL,
    agent_sum   bigint   NOT NULL,
    agent_count bigint   NOT NULL,
    dims        jsonb    NOT NULL,
    -- one index serves every read: all instances (scope 0, a bucket range), one instance (scope 1, the range,
    -- instance_id checked in the index), and the per-instance map (scope 1, the range)
    PRIMARY KEY (scope, bucket, instance_id, src)
) WITH (fillfactor = 80);
CREATE TABLE msg_hour  (LIKE msg_minute INCLUDING ALL) WITH (fillfactor = 80);
CREATE TABLE msg_day   (LIKE msg_minute INCLUDING ALL) WITH (fillfactor = 80);
CREATE TABLE msg_total (LIKE msg_minute INCLUDING ALL) WITH (fillfactor = 80);

-- Adds two `dims` maps key by key, dropping keys that sum to 0.
CREATE FUNCTION dims_add(a jsonb, b jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(jsonb_object_agg(key, n), '{}'::jsonb)
    FROM (SELECT key, sum(value::bigint) AS n
          FROM (SELECT * FROM jsonb_each_text(a) UNION ALL SELECT * FROM jsonb_each_text(b)) AS kv
          GROUP BY key HAVING sum(value::bigint) <> 0) AS summed
$$;

-- Automation executions (automation_logs rows, or automation.executed events) per layer and bucket.
CREATE TABLE auto_minute (
    src         smallint NOT NULL,
    bucket      bigint   NOT NULL,
    executions  bigint   NOT NULL,
    success     bigint   NOT NULL,
    failed      bigint   NOT NULL,
    skipped     bigint   NOT NULL,
    actions     bigint   NOT NULL,
    exec_sum    bigint   NOT NULL,
    exec_count  bigint   NOT NULL,
    PRIMARY KEY (bucket, src)
) WITH (fillfactor = 80);
CREATE TABLE auto_hour  (LIKE auto_minute INCLUDING ALL) WITH (fillfactor = 80);
CREATE TABLE auto_day   (LIKE auto_minute INCLUDING ALL) WITH (fillfactor = 80);
CREATE TABLE auto_total (LIKE auto_minute INCLUDING ALL) WITH (fillfactor = 80);

-- The newest automation.queue snapshot per instance (drives `running` and `instanceQueues`).
CREATE TABLE automation_queue (
    instance_key  text    PRIMARY KEY,
    active_count  integer NOT NULL,
    pending_count integer NOT NULL,
    observed_ms   bigint  NOT NULL
);

-- Exactly once: one bit per JetStream message, 1024 messages a page, per stream incarnation
-- (stream name @ creation time, so a recreated stream starts afresh). Pages below the stream's first
-- sequence can never be redelivered and are pruned, so this is bounded by the stream's retention.
CREATE TABLE applied_pages (
    stream_key text   NOT NULL,
    page       bigint NOT NULL,
    bits       bytea  NOT NULL,
    PRIMARY KEY (stream_key, page)
);

-- The external-id index that message.delivered / message.read need (contract §5.1): per external id, the live
-- events seen for it and the rows of Omni's from before the cutover that carry it (looked up in omni_events the
-- first time a receipt needs them), so the effect of every event can be recomputed in stream order whatever order
-- the events arrive in. Pruned after a horizon (default 35 days) without activity.
CREATE TABLE message_index (
    external_id text   PRIMARY KEY,
    state       bytea  NOT NULL,
    touched_at  bigint NOT NULL
) WITH (fillfactor = 80);
-- pruning reads ranges of touched_at, which follows insertion order: a BRIN index costs next to nothing to keep
CREATE INDEX message_index_touched ON message_index USING brin (touched_at);

-- For Omni's rows from before the cutover whose status a live receipt changed: the status backfill must count
-- them with (the live layer carries the change). Bounded: only rows older than the cutover that got a receipt
-- after it, in the horizon after the cutover.
CREATE TABLE seed_override (
    row_id uuid PRIMARY KEY,
    status text NOT NULL
);

-- Poison messages, kept with their reason; bounded to the newest N rows by the ingest.
CREATE TABLE rejects (
    id          bigserial PRIMARY KEY,
    stream      text        NOT NULL,
    stream_seq  bigint      NOT NULL,
    subject     text        NOT NULL,
    reason      text        NOT NULL,
    body        text        NOT NULL,
    body_bytes  integer     NOT NULL,
    rejected_at timestamptz NOT NULL DEFAULT now()
);

-- Singletons: the cutover instant (epoch ms) and similar facts.
CREATE TABLE settings (
    name  text PRIMARY KEY,
    value text NOT NULL
);

-- Per stream: how far the ingest has got (for health and lag).
CREATE TABLE ingest_progress (
    stream          text   PRIMARY KEY,
    last_seq        bigint NOT NULL,
    last_event_ms   bigint NOT NULL,
    last_applied_ms bigint NOT NULL
);

-- What backfill has done, a row per kind and day.
CREATE TABLE backfill_days (
    kind        text        NOT NULL,
    day         bigint      NOT NULL,
    source_rows bigint      NOT NULL,
    finished_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, day)
);
