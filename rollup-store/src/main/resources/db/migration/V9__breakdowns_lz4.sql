-- The breakdown maps are compressed with lz4 instead of pglz where the server has lz4 (built --with-lz4, as the
-- PostgreSQL packages of Debian, Ubuntu and the official images are; a server without it keeps pglz).
--
-- An all-instances row carries every instance's count as a key ("i:<uuid>": 45 bytes each), so with 500 instances
-- its map is 5 kB for a minute and 24 kB for an hour, and PostgreSQL compresses every such value it stores. Loading
-- the 14 000 all-instances minute and hour rows of the 10 M-row, 500-instance benchmark set took 3.0-3.1 s with
-- pglz and 1.36 s with lz4, for the same size on disk (101 MB and 100 MB); the 2 M rows of one instance, below the
-- 2 kB at which PostgreSQL compresses, are unaffected (docs/benchmarks.md, finding B8). lz4 also decompresses
-- faster for the reads of those rows. Values written before keep pglz until they are rewritten; a column holds both.
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
