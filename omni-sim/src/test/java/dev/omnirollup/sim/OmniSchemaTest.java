package dev.omnirollup.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class OmniSchemaTest {

    /**
     * The DDL omni-sim runs is {@code deploy/sql/omni-schema.sql} (what operators and the compose recipe load), byte
     * for byte: edit both together.
     */
    @Test
    void constantTextIsTheDeployFile() throws IOException {
        try (InputStream in = OmniSchemaTest.class.getClassLoader().getResourceAsStream("omni/omni-schema.sql")) {
            assertNotNull(in, "deploy/sql/omni-schema.sql is on the test class path as omni/omni-schema.sql");
            assertEquals(new String(in.readAllBytes(), StandardCharsets.UTF_8), OmniSchema.sql());
        }
    }
}
