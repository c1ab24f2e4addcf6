-- The breakdown maps are stored as the JSON text the writers give, not as jsonb.
--
-- Every reader takes a map as text and parses it itself (`dims::text`), and every writer gives it as text, so jsonb
-- only parsed each map on the way in and printed it again on the way out. Parsing was most of what writing a row
-- cost: loading the 2 M minute and hour rows of the 10 M-row, 500-instance benchmark set took 8.4-12 s with jsonb
-- in COPY's binary format and 6.2-10 s as text (docs/benchmarks.md, findings B8 and B9). Nothing in PostgreSQL looks
-- inside a map except `dims_add`, which now takes and gives text. The text of a map is not canonical: the writers
-- give keys in their natural order without spaces, `dims_add` gives jsonb's order and spacing; readers parse either.
--
-- Changing the type rewrites each table and forgets the column's compression, so the same statement sets lz4 again
-- where the server has it (as V9 did): the rewrite then stores every map with it.
DO $$
DECLARE
    lz4 boolean := EXISTS (SELECT 1 FROM pg_settings
                            WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals));
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['msg_minute', 'msg_hour', 'msg_day', 'msg_total'] LOOP
        EXECUTE format('ALTER TABLE %I ALTER COLUMN dims TYPE text USING dims::text%s', t,
                       CASE WHEN lz4 THEN ', ALTER COLUMN dims SET COMPRESSION lz4' ELSE '' END);
    END LOOP;
END
$$;

-- dims_add(a, b) of two maps as text: the jsonb function of V7 (key by key for a small change, grouped for a large
-- one), its sum given as text. An upsert calls it only for a row the live writer does not remember (KnownDims) or
-- when several processes write one layer, and backfill for its running totals once per instance and day. The
-- jsonb function is named with its schema, which the caller's search_path need not hold.
CREATE FUNCTION dims_add(a text, b text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT "${flyway:defaultSchema}".dims_add(a::jsonb, b::jsonb)::text
$$;
