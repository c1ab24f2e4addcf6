-- Omni's database schema: the tables omni-rollup reads
--
-- A faithful restatement, as plain PostgreSQL DDL, of the tables that upstream Omni (automagik-dev/omni) declares in
-- packages/db/src/schema.ts (Drizzle, applied upstream with drizzle-kit push) as far as the dashboard endpoints
-- touch them: omni_events with every column and exactly its nine single-column indexes, dead_letter_events,
-- event_payloads, payload_storage_config, automations, automation_logs, instances (metric-relevant columns plus a few
-- configuration ones), api_keys, api_key_audit_logs, consumer_offsets, and minimal persons and platform_identities
-- as foreign-key targets. Column names, types, nullability, defaults and foreign keys follow that file.
-- Timestamps are "timestamp without time zone" holding UTC wall clock, as upstream.
--
-- Who uses it: omni-sim (tests, benchmarks and the demo create these tables to stand in for an Omni database) and
-- operators who want an empty Omni-shaped database. omni-rollup itself only READS these tables and never writes
-- them; its own tables live in their own schema under its own Flyway history.
--
-- Idempotent: every statement is CREATE ... IF NOT EXISTS. Tables are created in the connection's current schema
-- (normally public). Requires PostgreSQL 13 or later (gen_random_uuid is core from 13).

CREATE TABLE IF NOT EXISTS persons (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  display_name  varchar(255),
  primary_email varchar(255),
  primary_phone varchar(50),
  created_at    timestamp NOT NULL DEFAULT now(),
  updated_at    timestamp NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS instances (
  id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name                    varchar(255) NOT NULL,
  channel                 varchar(50) NOT NULL,
  is_active               boolean NOT NULL DEFAULT false,
  is_default              boolean NOT NULL DEFAULT false,
  profile_name            varchar(255),
  profile_pic_url         text,
  owner_identifier        varchar(255),
  agent_provider_id       uuid,
  agent_id                varchar(255),
  agent_timeout           integer DEFAULT 60,
  agent_stream_mode       boolean NOT NULL DEFAULT false,
  enable_auto_split       boolean NOT NULL DEFAULT true,
  reconnect_attempts      integer NOT NULL DEFAULT 0,
  last_message_at         timestamp,
  created_at              timestamp NOT NULL DEFAULT now(),
  updated_at              timestamp NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS instances_name_idx ON instances (name);
CREATE INDEX IF NOT EXISTS instances_channel_idx ON instances (channel);
CREATE INDEX IF NOT EXISTS instances_is_active_idx ON instances (is_active);
CREATE INDEX IF NOT EXISTS instances_is_default_idx ON instances (is_default);

CREATE TABLE IF NOT EXISTS platform_identities (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  person_id        uuid REFERENCES persons (id) ON DELETE SET NULL,
  channel          varchar(50) NOT NULL,
  instance_id      uuid REFERENCES instances (id) ON DELETE SET NULL,
  platform_user_id varchar(255) NOT NULL,
  platform_username varchar(255),
  created_at       timestamp NOT NULL DEFAULT now(),
  updated_at       timestamp NOT NULL DEFAULT now()
);

-- Every message lifecycle event that upstream's event-persistence plugin stores. Upstream never deletes rows.
-- Status values written: received, completed, failed. Indexes: exactly the nine single-column ones upstream declares
-- (none on direction, no composite, no unique constraint).
CREATE TABLE IF NOT EXISTS omni_events (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  external_id          varchar(255),
  channel              varchar(50) NOT NULL,
  instance_id          uuid REFERENCES instances (id) ON DELETE SET NULL,
  person_id            uuid REFERENCES persons (id) ON DELETE SET NULL,
  platform_identity_id uuid REFERENCES platform_identities (id) ON DELETE SET NULL,
  event_type           varchar(50) NOT NULL,
  direction            varchar(10) NOT NULL DEFAULT 'inbound',
  content_type         varchar(20),
  text_content         text,
  transcription        text,
  image_description    text,
  document_extraction  text,
  media_id             uuid,
  media_mime_type      varchar(100),
  media_size           integer,
  media_duration       integer,
  media_url            text,
  reply_to_event_id    uuid,
  reply_to_external_id varchar(255),
  chat_id              varchar(255),
  canonical_chat_id    varchar(255),
  status               varchar(20) NOT NULL DEFAULT 'received',
  error_message        text,
  error_stage          varchar(50),
  received_at          timestamp NOT NULL DEFAULT now(),
  processed_at         timestamp,
  delivered_at         timestamp,
  read_at              timestamp,
  processing_time_ms   integer,
  agent_latency_ms     integer,
  total_latency_ms     integer,
  raw_payload          jsonb,
  agent_request        jsonb,
  agent_response       jsonb,
  metadata             jsonb,
  created_at           timestamp NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS omni_events_external_id_idx ON omni_events (external_id);
CREATE INDEX IF NOT EXISTS omni_events_channel_idx ON omni_events (channel);
CREATE INDEX IF NOT EXISTS omni_events_instance_idx ON omni_events (instance_id);
CREATE INDEX IF NOT EXISTS omni_events_person_idx ON omni_events (person_id);
CREATE INDEX IF NOT EXISTS omni_events_type_idx ON omni_events (event_type);
CREATE INDEX IF NOT EXISTS omni_events_status_idx ON omni_events (status);
CREATE INDEX IF NOT EXISTS omni_events_received_at_idx ON omni_events (received_at);
CREATE INDEX IF NOT EXISTS omni_events_chat_id_idx ON omni_events (chat_id);
CREATE INDEX IF NOT EXISTS omni_events_canonical_chat_idx ON omni_events (canonical_chat_id);

-- Statuses: pending, retrying, resolved, abandoned.
CREATE TABLE IF NOT EXISTS dead_letter_events (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id           varchar(36) NOT NULL,
  event_type         varchar(100) NOT NULL,
  subject            varchar(255) NOT NULL,
  payload            jsonb NOT NULL,
  error              text NOT NULL,
  stack              text,
  auto_retry_count   integer NOT NULL DEFAULT 0,
  manual_retry_count integer NOT NULL DEFAULT 0,
  next_auto_retry_at timestamp,
  status             varchar(20) NOT NULL DEFAULT 'pending',
  created_at         timestamp NOT NULL DEFAULT now(),
  last_retry_at      timestamp,
  resolved_at        timestamp,
  resolved_by        varchar(100)
);
CREATE INDEX IF NOT EXISTS dead_letter_events_event_id_idx ON dead_letter_events (event_id);
CREATE INDEX IF NOT EXISTS dead_letter_events_event_type_idx ON dead_letter_events (event_type);
CREATE INDEX IF NOT EXISTS dead_letter_events_status_idx ON dead_letter_events (status);
CREATE INDEX IF NOT EXISTS dead_letter_events_created_at_idx ON dead_letter_events (created_at);
CREATE INDEX IF NOT EXISTS dead_letter_events_next_retry_idx ON dead_letter_events (next_auto_retry_at);

-- Stages: webhook_raw, agent_request, agent_response, channel_send, error. Payload is base64 of gzip.
CREATE TABLE IF NOT EXISTS event_payloads (
  id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id                varchar(36) NOT NULL,
  event_type              varchar(100) NOT NULL,
  stage                   varchar(50) NOT NULL,
  payload_compressed      text NOT NULL,
  payload_size_original   integer,
  payload_size_compressed integer,
  "timestamp"             timestamp NOT NULL DEFAULT now(),
  contains_media          boolean NOT NULL DEFAULT false,
  contains_base64         boolean NOT NULL DEFAULT false,
  deleted_at              timestamp,
  deleted_by              varchar(100),
  delete_reason           varchar(255)
);
CREATE INDEX IF NOT EXISTS event_payloads_event_id_idx ON event_payloads (event_id);
CREATE INDEX IF NOT EXISTS event_payloads_event_type_idx ON event_payloads (event_type);
CREATE INDEX IF NOT EXISTS event_payloads_stage_idx ON event_payloads (stage);
CREATE INDEX IF NOT EXISTS event_payloads_timestamp_idx ON event_payloads ("timestamp");
CREATE INDEX IF NOT EXISTS event_payloads_deleted_at_idx ON event_payloads (deleted_at);
CREATE INDEX IF NOT EXISTS event_payloads_event_stage_idx ON event_payloads (event_id, stage);

-- event_type '*' is the default row.
CREATE TABLE IF NOT EXISTS payload_storage_config (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_type           varchar(100) NOT NULL UNIQUE,
  store_webhook_raw    boolean NOT NULL DEFAULT true,
  store_agent_request  boolean NOT NULL DEFAULT true,
  store_agent_response boolean NOT NULL DEFAULT true,
  store_channel_send   boolean NOT NULL DEFAULT true,
  store_error          boolean NOT NULL DEFAULT true,
  retention_days       integer NOT NULL DEFAULT 14,
  created_at           timestamp NOT NULL DEFAULT now(),
  updated_at           timestamp NOT NULL DEFAULT now()
);

-- Action types: webhook, send_message, emit_event, log, call_agent.
CREATE TABLE IF NOT EXISTS automations (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name               varchar(255) NOT NULL,
  description        text,
  trigger_event_type varchar(255) NOT NULL,
  trigger_conditions jsonb,
  condition_logic    varchar(10) DEFAULT 'and',
  actions            jsonb NOT NULL,
  debounce           jsonb,
  enabled            boolean NOT NULL DEFAULT true,
  priority           integer NOT NULL DEFAULT 0,
  created_at         timestamp NOT NULL DEFAULT now(),
  updated_at         timestamp NOT NULL DEFAULT now()
);

-- Statuses: success, failed, skipped. actions_executed is an array of {action, status, result?, error?, durationMs}.
-- Deleting an automation deletes its logs.
CREATE TABLE IF NOT EXISTS automation_logs (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  automation_id      uuid NOT NULL REFERENCES automations (id) ON DELETE CASCADE,
  event_id           varchar(36) NOT NULL,
  status             varchar(20) NOT NULL,
  conditions_matched boolean NOT NULL,
  actions_executed   jsonb,
  error              text,
  execution_time_ms  integer,
  created_at         timestamp NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS automation_logs_automation_id_idx ON automation_logs (automation_id);
CREATE INDEX IF NOT EXISTS automation_logs_event_id_idx ON automation_logs (event_id);
CREATE INDEX IF NOT EXISTS automation_logs_status_idx ON automation_logs (status);
CREATE INDEX IF NOT EXISTS automation_logs_created_at_idx ON automation_logs (created_at);

-- Keys look like omni_sk_ + 32 alphanumerics; key_hash is the SHA-256 hex digest. Statuses: active, revoked,
-- expired. instance_ids NULL means all instances. The row named __primary__ is the primary key.
CREATE TABLE IF NOT EXISTS api_keys (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name          varchar(255) NOT NULL,
  description   text,
  key_prefix    varchar(12) NOT NULL,
  key_hash      varchar(64) NOT NULL,
  scopes        text[] NOT NULL,
  instance_ids  uuid[],
  status        varchar(20) NOT NULL DEFAULT 'active',
  rate_limit    integer,
  expires_at    timestamp,
  last_used_at  timestamp,
  last_used_ip  varchar(45),
  usage_count   integer NOT NULL DEFAULT 0,
  revoked_at    timestamp,
  revoked_by    varchar(255),
  revoke_reason text,
  created_at    timestamp NOT NULL DEFAULT now(),
  created_by    varchar(255),
  updated_at    timestamp NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS api_keys_key_hash_idx ON api_keys (key_hash);

CREATE TABLE IF NOT EXISTS api_key_audit_logs (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  api_key_id       uuid NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
  method           varchar(10) NOT NULL,
  path             varchar(500) NOT NULL,
  status_code      integer,
  ip_address       varchar(45),
  user_agent       text,
  response_time_ms integer,
  "timestamp"      timestamp NOT NULL DEFAULT now()
);

-- Written by upstream's message-persistence consumers only (not by event persistence).
CREATE TABLE IF NOT EXISTS consumer_offsets (
  consumer_name varchar(100) PRIMARY KEY,
  stream_name   varchar(50) NOT NULL,
  last_sequence integer NOT NULL DEFAULT 0,
  last_event_id uuid,
  updated_at    timestamp NOT NULL DEFAULT now()
);
