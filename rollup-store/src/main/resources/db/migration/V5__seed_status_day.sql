-- The UTC day (epoch second of its start) of the omni_events row a pin is for, so that backfill reads the pins of
-- the day it folds through an index instead of hashing every pin of every day once per day (see
-- docs/benchmarks.md, finding B5). Pins written before this version have none until backfill's next run fills it
-- in from omni_events (Backfill.DATE_PINS); both writers of pins set it from then on.
ALTER TABLE seed_status ADD COLUMN day bigint;
CREATE INDEX seed_status_day ON seed_status (day);
