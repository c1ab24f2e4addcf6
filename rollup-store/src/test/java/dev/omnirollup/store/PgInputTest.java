package dev.omnirollup.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.omnirollup.sim.ScratchDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PgInputTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String U = "3f1c2a9e-5b7d-4c1e-9a2b-1c2d3e4f5a6b";

    private static final List<String> UUID_INPUTS = List.of(U, U.toUpperCase(), "{" + U + "}", U.replace("-", ""),
            "3f1c-2a9e-5b7d-4c1e-9a2b-1c2d-3e4f-5a6b", "{3F1C2A9E5B7D4C1E9A2B1C2D3E4F5A6B}",
            "", "not-a-uuid", " " + U, U + " ", "{" + U, U + "}", U + "-", "-" + U, "3f1c2a9e5-b7d4c1e9a2b1c2d3e4f5a6b",
            U.substring(1), U + "0", "3f1c2a9e-5b7d-4c1e-9a2b-1c2d3e4f5a6g", "３f1c2a9e-5b7d-4c1e-9a2b-1c2d3e4f5a6b",
            "3f1c2a9e--5b7d-4c1e-9a2b-1c2d3e4f5a6b", "{}", "0", "1e+21");

    /** The uuid input rules are PostgreSQL's: every sample is accepted or refused exactly as the server does. */
    @Test
    void uuidInputIsPostgresUuidInput() throws SQLException {
        try (ScratchDatabase db = ScratchDatabase.create(); Connection c = db.connect();
             PreparedStatement cast = c.prepareStatement("SELECT ?::uuid")) {
            c.setAutoCommit(true);
            for (String input : UUID_INPUTS) {
                UUID server;
                cast.setString(1, input);
                try (ResultSet rs = cast.executeQuery()) {
                    rs.next();
                    server = rs.getObject(1, UUID.class);
                } catch (SQLException refused) {
                    assertEquals("22P02", refused.getSQLState(), input);
                    server = null;
                }
                assertEquals(server, PgInput.uuid(input), "'" + input + "'");
            }
        }
    }

    @Test
    void storedTextReplacesLoneSurrogatesAndRefusesNul() {
        assertEquals("abc", PgInput.storedText("abc"));
        assertEquals("a\uFFFDb", PgInput.storedText("a\uD800b"));
        assertEquals("a\uFFFD", PgInput.storedText("a\uDC00"));
        assertEquals("😀x\uFFFD", PgInput.storedText("😀x\uDBFF"));
        assertNull(PgInput.storedText("a\u0000b"));
        assertNull(PgInput.storedText("\uD800\u0000"));
    }

    @Test
    void varcharCountsCharactersAndCutsTrailingSpaces() {
        assertEquals("😀".repeat(255), PgInput.varchar("😀".repeat(255), 255));
        assertEquals("😀".repeat(255), PgInput.varchar("😀".repeat(255) + "  ", 255));
        assertEquals("x" + " ".repeat(254), PgInput.varchar("x" + " ".repeat(300), 255));
        assertNull(PgInput.varchar("a".repeat(256), 255));
        assertNull(PgInput.varchar("a".repeat(254) + " \t", 255));
        assertEquals("", PgInput.varchar("", 50));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "\"x\"|TEXT|x",
        "123|TEXT|123",
        "1e21|TEXT|1e+21",
        "{\"a\":1}|TEXT|[object Object]",
        "[\"a\",\"b\"]|TEXT|a,b",
        "[]|TEXT|''",
        "true|BOOLEAN|true",
        "false|BOOLEAN|false",
        "[true]|BOOLEAN|false",
        "[[true],1]|BOOLEAN|false",
        "[1,true]|TEXT|'1,true'",
        "null|NULL|",
        "{\"toString\":1}|UNCONVERTIBLE|",
    })
    void parametersAreSentAsPostgresJsSendsThem(String json, PgInput.Param kind, String text) throws Exception {
        var value = JSON.readTree(json);
        assertEquals(kind, PgInput.param(value));
        if (kind == PgInput.Param.TEXT || kind == PgInput.Param.BOOLEAN) {
            assertEquals(text, PgInput.paramText(value));
        }
        assertEquals(PgInput.Param.UNDEFINED, PgInput.param(null));
    }

    @Test
    void jsonbRefusesNulAndLoneSurrogatesAnywhere() throws Exception {
        assertTrue(PgInput.jsonbAccepts(JSON.readTree("{\"a\":[\"b\",{\"c\":\"😀\"}],\"n\":1}")));
        assertFalse(PgInput.jsonbAccepts(JSON.readTree("\"a\\u0000\"")));
        assertFalse(PgInput.jsonbAccepts(JSON.readTree("{\"k\\u0000\":1}")));
        assertFalse(PgInput.jsonbAccepts(JSON.readTree("[{\"k\":\"\\udc00\"}]")));
        // (our JSON parser refuses unpaired surrogates in keys, so such objects are built here)
        var loneKey = JSON.createObjectNode();
        loneKey.putObject("__proto__").put("\udc00", 1);
        assertFalse(PgInput.jsonbAccepts(loneKey));
        // sanitized: values are cleaned by Omni, keys are not, __proto__ keys vanish
        assertTrue(PgInput.jsonbAcceptsSanitized(JSON.readTree("{\"a\":\"x\\u0000\\ud800\"}")));
        var nestedLoneKey = JSON.createArrayNode();
        nestedLoneKey.addObject().putObject("b").put("k\udc00", 1);
        assertFalse(PgInput.jsonbAcceptsSanitized(nestedLoneKey));
        assertTrue(PgInput.jsonbAcceptsSanitized(JSON.readTree("{\"__proto__\":{\"a\\u0000\":1}}")));
    }
}
