-- Included by index-write-plans.sql (not run alone): both forms of the index write, each twice, under the plan mode in
-- force, which :mode names in their labels.
\set stmt write_any
\set label '= ANY, ' :mode ' plan:'
\ir _index-write-twice.sql
\set stmt write_in
\set label 'IN (SELECT unnest), ' :mode ' plan:'
\ir _index-write-twice.sql
