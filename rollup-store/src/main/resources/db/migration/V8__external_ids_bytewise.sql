-- External ids compare byte by byte, whatever the database's locale. They are opaque keys: the index only needs
-- equality and one order that every writer locks rows in. The ingest sorts a batch's ids in Java (String order, which
-- for ids without characters beyond U+FFFF is the byte order of their UTF-8) and writes them in that order, while
-- the lock of the existing rows took them in the column's collation. In a database created with a language's
-- locale (en_US.UTF-8, ICU en-US: "a" < "B", where bytes have "B" < "a") the two orders differed, so two batches
-- could wait for each other's rows until PostgreSQL broke the deadlock; and every comparison in the primary key's
-- b-tree went through the locale's collation rules instead of a memcmp (benchmarks/sql/external-id-collation.sql
-- measures it; docs/benchmarks.md finding I13). Only the indexes are rebuilt (the values do not change).
ALTER TABLE message_index ALTER COLUMN external_id TYPE text COLLATE "C";
ALTER TABLE message_pending ALTER COLUMN external_id TYPE text COLLATE "C";
