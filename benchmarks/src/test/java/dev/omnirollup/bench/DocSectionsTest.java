package dev.omnirollup.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DocSectionsTest {
    @TempDir
    Path dir;

    @Test
    void replacesOnlyMarkedBlocksWhoseTableExists() throws Exception {
        Path doc = dir.resolve("benchmarks.md");
        Files.writeString(doc, """
                # Title
                <!-- bench:query-latency -->
                old table
                <!-- /bench:query-latency -->
                prose stays
                <!-- bench:backfill -->
                kept: no new table
                <!-- /bench:backfill -->
                """);
        Files.writeString(dir.resolve("query-latency.md"), "### new table\n\n| a |\n|---|\n| 1 |\n\n");

        assertEquals(1, DocSections.update(doc, dir));

        assertEquals("""
                # Title
                <!-- bench:query-latency -->
                ### new table

                | a |
                |---|
                | 1 |
                <!-- /bench:query-latency -->
                prose stays
                <!-- bench:backfill -->
                kept: no new table
                <!-- /bench:backfill -->
                """, Files.readString(doc));
    }
}
