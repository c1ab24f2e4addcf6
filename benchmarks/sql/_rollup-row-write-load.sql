-- Included by rollup-row-write.sql (not run alone): loads /tmp/rollup-row-write-{minute,hour}.:ext into fresh copies
-- of row_write_src's msg_minute and msg_hour (dims as :kind, compressed as :compression) and prints the wall time.
DROP SCHEMA IF EXISTS row_write_bench CASCADE;
CREATE SCHEMA row_write_bench;
CREATE TABLE row_write_bench.msg_minute (LIKE row_write_src.msg_minute INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
    PRIMARY KEY (scope, bucket, instance_id, src)) WITH (fillfactor = 80);
CREATE TABLE row_write_bench.msg_hour (LIKE row_write_src.msg_hour INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
    PRIMARY KEY (scope, bucket, instance_id, src)) WITH (fillfactor = 80);
SELECT :'kind' = 'text' AS as_text, :'kind' = 'none' AS no_dims, :'compression' = 'external' AS external,
       :'compression' = 'lz4' AS lz4 \gset
\if :as_text
ALTER TABLE row_write_bench.msg_minute ALTER COLUMN dims TYPE text;
ALTER TABLE row_write_bench.msg_hour ALTER COLUMN dims TYPE text;
\elif :no_dims
ALTER TABLE row_write_bench.msg_minute DROP COLUMN dims;
ALTER TABLE row_write_bench.msg_hour DROP COLUMN dims;
\else
ALTER TABLE row_write_bench.msg_minute ALTER COLUMN dims TYPE jsonb USING dims::jsonb;
ALTER TABLE row_write_bench.msg_hour ALTER COLUMN dims TYPE jsonb USING dims::jsonb;
\endif
\if :no_dims
\elif :external
ALTER TABLE row_write_bench.msg_minute ALTER COLUMN dims SET STORAGE EXTERNAL;
ALTER TABLE row_write_bench.msg_hour ALTER COLUMN dims SET STORAGE EXTERNAL;
\elif :lz4
ALTER TABLE row_write_bench.msg_minute ALTER COLUMN dims SET COMPRESSION lz4;
ALTER TABLE row_write_bench.msg_hour ALTER COLUMN dims SET COMPRESSION lz4;
\else
ALTER TABLE row_write_bench.msg_minute ALTER COLUMN dims SET COMPRESSION pglz;
ALTER TABLE row_write_bench.msg_hour ALTER COLUMN dims SET COMPRESSION pglz;
\endif
CHECKPOINT;
SELECT clock_timestamp() AS started \gset
SELECT :'ext' = 'txt' AS txt, :'ext' = 'seq' AS seq, :'ext' = 'bin' AS bin, :'ext' = 'nod' AS nod,
       :'ext' = 's0' AS s0 \gset
\if :txt
\copy row_write_bench.msg_minute FROM '/tmp/rollup-row-write-minute.txt'
\copy row_write_bench.msg_hour FROM '/tmp/rollup-row-write-hour.txt'
\elif :seq
\copy row_write_bench.msg_minute (src, scope, instance_id, bucket, total, completed, failed, pending, inbound, outbound, proc_sum, proc_count, agent_sum, agent_count, dims) FROM '/tmp/rollup-row-write-minute.seq'
\copy row_write_bench.msg_hour (src, scope, instance_id, bucket, total, completed, failed, pending, inbound, outbound, proc_sum, proc_count, agent_sum, agent_count, dims) FROM '/tmp/rollup-row-write-hour.seq'
\elif :bin
\copy row_write_bench.msg_minute FROM '/tmp/rollup-row-write-minute.bin' WITH (FORMAT binary)
\copy row_write_bench.msg_hour FROM '/tmp/rollup-row-write-hour.bin' WITH (FORMAT binary)
\elif :nod
\copy row_write_bench.msg_minute FROM '/tmp/rollup-row-write-minute.nod'
\copy row_write_bench.msg_hour FROM '/tmp/rollup-row-write-hour.nod'
\elif :s0
\copy row_write_bench.msg_minute FROM '/tmp/rollup-row-write-minute.s0'
\copy row_write_bench.msg_hour FROM '/tmp/rollup-row-write-hour.s0'
\else
\copy row_write_bench.msg_minute FROM '/tmp/rollup-row-write-minute.s1'
\copy row_write_bench.msg_hour FROM '/tmp/rollup-row-write-hour.s1'
\endif
SELECT :'variant' AS variant, round(extract(epoch FROM clock_timestamp() - :'started'::timestamptz)::numeric, 2) AS s,
       pg_size_pretty(pg_total_relation_size('row_write_bench.msg_minute')
                      + pg_total_relation_size('row_write_bench.msg_hour')) AS size;
