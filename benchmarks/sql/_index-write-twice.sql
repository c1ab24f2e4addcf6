-- Included by index-write-plans.sql (not run alone): the prepared statement :stmt, labelled :label, run twice, each in
-- a transaction rolled back so that both runs find the same rows.
BEGIN;
\echo :label
EXECUTE :stmt(:'ids', :'states', :'ids');
ROLLBACK;
BEGIN;
\echo :label
EXECUTE :stmt(:'ids', :'states', :'ids');
ROLLBACK;
