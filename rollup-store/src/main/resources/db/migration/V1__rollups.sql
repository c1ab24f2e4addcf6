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
-- layers, a 24 h window reads <= 166 wide rows of one scope; `allTime` reads the total row. Dimension rows add
-- the distinct channel/content-type/error-stage/event-type keys per bucket.

-- One wide row of message counters per (layer, scope, instance, bucket).
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
    PRIMARY KEY (scope, instance_id, bucket, src)
) WITH (fillfactor = 80);
CREATE TABLE msg_hour  (LIKE msg_minute INCLUDING ALL) WITH (fillfactor = 80);
CREATE TABLE msg_day   (LIKE msg_minute INCLUDING ALL) WITH (fillfactor = 80);
CREATE TABLE msg_total (LIKE msg_minute INCLUDING ALL) WITH (fillfactor = 80);

-- The `instances` map of a window reads every instance's rows of a bucket range.
CREATE INDEX msg_minute_instances ON msg_minute (bucket) INCLUDE (instance_id, total) WHERE scope = 1;
CREATE INDEX msg_hour_instances   ON msg_hour   (bucket) INCLUDE (instance_id, total) WHERE scope = 1;
CREATE INDEX msg_day_instances    ON msg_day    (bucket) INCLUDE (instance_id, total) WHERE scope = 1;

-- Open-keyed breakdowns: dim 1 channel, 2 content type, 3 error stage, 4 event type,
-- 5 processing_time_ms histogram bin, 6 agent_latency_ms histogram bin (key = bin number, see LatencyBins).
CREATE TABLE msg_dim_minute (
    src         smallint NOT NULL,
    scope       smallint NOT NULL,
    instance_id uuid     NOT NULL,
    bucket      bigint   NOT NULL,
    dim         smallint NOT NULL,
    key         text     NOT NULL,
    n           bigint   NOT NULL,
    PRIMARY KEY (scope, instance_id, bucket, dim, key, src)
) WITH (fillfactor = 80);
CREATE TABLE msg_dim_hour  (LIKE msg_dim_minute INCLUDING ALL) WITH (fillfactor = 80);
CREATE TABLE msg_dim_day   (LIKE msg_dim_minute INCLUDING ALL) WITH (fillfactor = 80);
CREATE TABLE msg_dim_total (LIKE msg_dim_minute INCLUDING ALL) WITH (fillfactor = 80);

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
-- events seen for it (and the seed rows their effect was last computed against), so that the effect of every
-- event can be recomputed in stream order whatever order the events arrive in. Pruned after a horizon
-- (default 35 days) without activity.
CREATE TABLE message_index (
    external_id text    PRIMARY KEY,
    state       bytea   NOT NULL,
    has_seeds   boolean NOT NULL DEFAULT false,
    dirty       boolean NOT NULL DEFAULT false,
    touched_at  bigint  NOT NULL
);
CREATE INDEX message_index_touched ON message_index (touched_at);
CREATE INDEX message_index_dirty ON message_index (external_id) WHERE dirty;

-- Omni's rows from before the cutover that carry an external id (seeded by backfill): live receipts may flip them.
CREATE TABLE seed_rows (
    row_id      uuid   PRIMARY KEY,
    external_id text   NOT NULL REFERENCES message_index (external_id) ON DELETE CASCADE,
    minute      bigint NOT NULL,
    instance_id uuid,
    status      text   NOT NULL
);
CREATE INDEX seed_rows_external_id ON seed_rows (external_id);

-- For seed rows whose status a live receipt changed: the status backfill must count for them (the live layer
-- carries the change). Bounded: only rows older than the cutover that got a receipt after it.
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
