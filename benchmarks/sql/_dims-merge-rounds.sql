-- Included by dims-merge.sql: rounds 1 to 3 of _dims-merge-<:method>.sql.
\set round 1
\ir _dims-merge-:method.sql
\set round 2
\ir _dims-merge-:method.sql
\set round 3
\ir _dims-merge-:method.sql
