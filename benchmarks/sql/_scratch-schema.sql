-- Included by the scripts here (not run alone): stop at the first error, quietly, in a new scratch schema named by
-- :schema (dropped first, should a failed run have left it), which becomes the current one.
\set ON_ERROR_STOP on
\set QUIET on
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS :schema CASCADE;
CREATE SCHEMA :schema;
SET search_path = :schema;
