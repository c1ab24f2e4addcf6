package dev.omnirollup.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class OmniSchemaTest {

    /** The DDL omni-sim runs is {@code deploy/sql/omni-schema.sql} (what operators and the compose recipe load). */
    @Test
    void theScriptIsTheDeployFile() throws IOException {
        assertEquals(Files.readString(Path.of("../deploy/sql/omni-schema.sql")), OmniSchema.sql());
    }
}
