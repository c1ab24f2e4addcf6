package dev.omnirollup.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class JsDateTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest(name = "new Date({0})")
    @CsvSource(delimiter = '|', value = {
        "1770631200000|2026-02-09T10:00:00Z",
        "1770631200000.9|2026-02-09T10:00:00Z",
        "-1.9|1969-12-31T23:59:59.999Z",
        "-0.5|1970-01-01T00:00:00Z",
        "null|1970-01-01T00:00:00Z",
        "true|1970-01-01T00:00:00.001Z",
        "false|1970-01-01T00:00:00Z",
        "\"2026-02-09T10:00:00.000Z\"|2026-02-09T10:00:00Z",
        "\"2026-02-09T10:00:00Z\"|2026-02-09T10:00:00Z",
        "\"2026-02-09T10:00Z\"|2026-02-09T10:00:00Z",
        "\"2026-02-09T10:00:00.5Z\"|2026-02-09T10:00:00.500Z",
        "\"2026-02-09T10:00:00.12+00:00\"|2026-02-09T10:00:00.120Z",
        "\"2026-02-09T10:00:00.000-03:00\"|2026-02-09T13:00:00Z",
        "\"2026-02-09T01:00:00+02:30\"|2026-02-08T22:30:00Z",
        "\"2026-02-09\"|2026-02-09T00:00:00Z",
        "\"2026-02\"|2026-02-01T00:00:00Z",
        "\"2026\"|2026-01-01T00:00:00Z",
        "\"2026T10:00Z\"|2026-01-01T10:00:00Z",
        "\"+002026-02-09T10:00:00.000Z\"|2026-02-09T10:00:00Z",
        "\"2024-02-29\"|2024-02-29T00:00:00Z",
        "[\"2026-02-09T10:00:00.000Z\"]|2026-02-09T10:00:00Z",
        "\"0001-01-01T00:00:00.000Z\"|0001-01-01T00:00:00Z",
        "253402300799999|9999-12-31T23:59:59.999Z",
    })
    void readsWhatJavaScriptReads(String json, String expected) throws Exception {
        long ms = JsDate.newDate(JSON.readTree(json));
        assertEquals(Instant.parse(expected).toEpochMilli(), ms);
        assertTrue(JsDate.storable(ms));
        assertNull(JsDate.problem(JSON.readTree(json)));
    }

    @ParameterizedTest(name = "new Date({0})")
    @CsvSource(delimiter = '|', value = {
        "{}|object",
        "{\"toString\":\"2026\"}|object",
        "[]|array",
        "[5]|array that JavaScript reads as '5'",
        "\"\"|four-digit year",
        "\"1770631200000\"|ISO-8601",
        "\"2026-02-09T10:00:00\"|local time zone",
        "\"2026-02-09T10:00:00.123456Z\"|one to three digits",
        "\"2026-02-30T00:00:00Z\"|no day 30",
        "\"2023-02-29\"|no day 29",
        "\"2026-02-09T24:00:00Z\"|hour 24",
        "\"2026-02-09t10:00:00z\"|ISO-8601",
        "\"2026-02-09 10:00:00Z\"|ISO-8601",
        "\"2026-02-09T10:00:00+0200\"|expected ':'",
        "\"2026-02-09T10:00:00Z \"|after the time zone",
        "\"-000000-01-01T00:00:00Z\"|not a year",
        "\"2026-13-01\"|month 13",
        "1e16|beyond JavaScript's date range",
        "-62135596800001|outside the years 1 to 9999",
        "253402300800000|outside the years 1 to 9999",
        "\"0000-06-01T00:00:00Z\"|outside the years 1 to 9999",
        "\"+010000-01-01T00:00:00Z\"|outside the years 1 to 9999",
    })
    void rejectsWhatJavaScriptCannotReadReliablyOrPostgresCannotStore(String json, String reason) throws Exception {
        String problem = JsDate.problem(JSON.readTree(json));
        assertTrue(problem != null && problem.contains(reason), json + ": " + problem);
        assertFalse(JsDate.storable(JsDate.newDate(JSON.readTree(json))));
    }

    @Test
    void undefinedIsAnInvalidDate() {
        assertEquals(JsDate.INVALID, JsDate.newDate(null));
        assertTrue(JsDate.problem(null).contains("missing"));
    }
}
