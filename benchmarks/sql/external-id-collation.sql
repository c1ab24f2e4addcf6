-- What the collation of message_index.external_id costs the index write (docs/benchmarks.md, finding I13): the
-- same 600 000 ids of the shape 'wamid.<64 hex>' upserted in 30 statements of 20 000, as the ingest's index write
-- does, into three copies of the table that differ only in the ids' collation -- "C" (what migration V8 declares),
-- the database's default (the column before V8) and ICU en-US (a database created with a language's locale) --
-- first as inserts, then twice as updates of every row, the tables starting each pass in turn; then what V8's ALTER costs on the ICU table (its primary key
-- rebuilt). Needs a server built with ICU. Run from the repository root:
--   psql -h 127.0.0.1 -U postgres -f benchmarks/sql/external-id-collation.sql
\set schema collation_bench
\ir _scratch-schema.sql
CREATE TABLE ids AS
    SELECT g AS n, 'wamid.' || md5(g::text) || md5((g * 7)::text) AS id FROM generate_series(1, 600000) AS g;
CREATE INDEX ON ids (n);
ANALYZE ids;
CREATE TABLE by_c (external_id text COLLATE "C" PRIMARY KEY, state bytea NOT NULL, touched_at bigint NOT NULL)
    WITH (fillfactor = 80);
CREATE TABLE by_default (LIKE by_c INCLUDING ALL);
ALTER TABLE by_default ALTER COLUMN external_id TYPE text COLLATE "default";
CREATE TABLE by_icu_en_us (LIKE by_c INCLUDING ALL);
ALTER TABLE by_icu_en_us ALTER COLUMN external_id TYPE text COLLATE "en-US-x-icu";

-- seconds to upsert every id in statements of 20 000 (pass 1 inserts, the others update every row)
CREATE FUNCTION upsert_all(tab text, pass int) RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE
    started timestamptz := clock_timestamp();
BEGIN
    FOR k IN 0..29 LOOP
        EXECUTE format('INSERT INTO %I SELECT id, %L::bytea, %s FROM ids WHERE n > %s AND n <= %s ORDER BY id'
                       || ' ON CONFLICT (external_id) DO UPDATE SET state = excluded.state,'
                       || ' touched_at = excluded.touched_at',
                       tab, '\x0102', pass, k * 20000, (k + 1) * 20000);
    END LOOP;
    RETURN round(extract(epoch FROM clock_timestamp() - started)::numeric, 2);
END $$;

-- one pass over the three tables, which start in turn (pass 1 with "C", pass 2 with the default, pass 3 with ICU)
CREATE FUNCTION pass_over_all(pass int, OUT c numeric, OUT by_default numeric, OUT icu numeric)
LANGUAGE plpgsql AS $$
DECLARE
    tabs text[] := ARRAY['by_c', 'by_default', 'by_icu_en_us'];
    t text;
    took numeric;
BEGIN
    FOR i IN 0..2 LOOP
        t := tabs[(pass - 1 + i) % 3 + 1];
        took := upsert_all(t, pass);
        CASE t WHEN 'by_c' THEN c := took; WHEN 'by_default' THEN by_default := took; ELSE icu := took; END CASE;
    END LOOP;
END $$;

\echo seconds per pass of 600 000 ids (pass 1 inserts, passes 2 and 3 update every row)
SELECT pass, r.c AS "C", r.by_default AS "database default", r.icu AS "ICU en-US"
  FROM generate_series(1, 3) AS pass, pass_over_all(pass) AS r;
SELECT datcollate AS "the database default is" FROM pg_database WHERE datname = current_database();

\echo migration V8 on the ICU table: its ALTER (the primary key rebuilt), seconds
CREATE FUNCTION alter_seconds() RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE
    started timestamptz := clock_timestamp();
BEGIN
    ALTER TABLE by_icu_en_us ALTER COLUMN external_id TYPE text COLLATE "C";
    RETURN round(extract(epoch FROM clock_timestamp() - started)::numeric, 2);
END $$;
SELECT count(*) AS ids FROM by_icu_en_us;
SELECT alter_seconds() AS seconds;
DROP SCHEMA collation_bench CASCADE;
