-- Rows of an external id that a later message.delivered would complete, set aside from the id's state in
-- message_index once it holds more than a few (ExternalIdState.spill): an id reused without receipts (Telegram
-- numbers messages per chat, and its inbound messages get none) collects one per message, and keeping them all in
-- the state would rewrite them with every event. Read back, and deleted, only when a delivered for the id arrives;
-- rows older than the index horizon are pruned by minute.
CREATE TABLE message_pending (
    external_id text   NOT NULL,
    stream_seq  bigint NOT NULL,
    minute      bigint NOT NULL,
    shape       bytea  NOT NULL,
    PRIMARY KEY (external_id, stream_seq)
);
-- rows are inserted in roughly minute order: a BRIN index keeps the horizon's pruning cheap to maintain
CREATE INDEX message_pending_minute ON message_pending USING brin (minute);
