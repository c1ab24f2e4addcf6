-- The breakdown maps are stored as the JSON text the writers give, not as jsonb.
--
-- Every reader takes a map as text and parses it itself (`dims::text`), and every writer gives it as text, so jsonb
-- only parsed each map on the way in and printed it again on the way out. Parsing was most of what writing a row
-- cost: loading the 2 M minute and hour rows of the 10 M-row, 500-instance benchmark set took 12 s with jsonb in
-- COPY's binary format and 8-10 s as text (docs/benchmarks.md, findings B8 and B9). Nothing in PostgreSQL looks
-- inside a map except `dims_add`, which now takes and gives text. The text of a map is not canonical: the writers
-- give keys in their natural order without spaces, `dims_add` gives jsonb's order and spacing; readers parse either.
ALTER TABLE msg_minute ALTER COLUMN dims TYPE text USING dims::text;
ALTER TABLE msg_hour   ALTER COLUMN dims TYPE text USING dims::text;
ALTER TABLE msg_day    ALTER COLUMN dims TYPE text USING dims::text;
ALTER TABLE msg_total  ALTER COLUMN dims TYPE text USING dims::text;

-- The column's compression as V9 set it (lz4 where the server has it), set again for the new type.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
        ALTER TABLE msg_minute ALTER COLUMN dims SET COMPRESSION lz4;
        ALTER TABLE msg_hour   ALTER COLUMN dims SET COMPRESSION lz4;
        ALTER TABLE msg_day    ALTER COLUMN dims SET COMPRESSION lz4;
        ALTER TABLE msg_total  ALTER COLUMN dims SET COMPRESSION lz4;
    END IF;
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
