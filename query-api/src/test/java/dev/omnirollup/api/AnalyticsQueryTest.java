package dev.omnirollup.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omnirollup.store.Grain;
import dev.omnirollup.store.TimeWindow;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AnalyticsQueryTest {

    private static AnalyticsQuery parse(String name, String... values) {
        return AnalyticsQuery.parse(Map.of(name, List.of(values)));
    }

    private static Map<String, List<String>> fieldsOf(Runnable call) {
        ApiProblem problem = assertThrows(ApiProblem.class, call::run);
        assertEquals(400, problem.status());
        @SuppressWarnings("unchecked")
        Map<String, Object> error = (Map<String, Object>) problem.body().get("error");
        assertEquals("VALIDATION_ERROR", error.get("code"));
        @SuppressWarnings("unchecked")
        Map<String, List<String>> fields = (Map<String, List<String>>) ((Map<String, Object>) error.get("details")).get("fields");
        return fields;
    }

    @ParameterizedTest
    @ValueSource(strings = {"2026-02-09T10:00Z", "2026-02-09T10:00:00Z", "2026-02-09T10:00:00.123Z",
        "2026-02-09T10:00:00.123456Z", "2024-02-29T00:00:00Z", "2000-02-29T23:59:59Z", "0000-01-01T00:00Z"})
    void acceptsZodDateTimes(String value) {
        assertTrue(parse("since", value).since().isPresent());
    }

    @ParameterizedTest
    @ValueSource(strings = {"2026-02-09T10:00:00", "2026-02-09T10:00:00+03:00", "2026-02-09T10:00:00z",
        "2026-02-09 10:00:00Z", "2026-02-09", "2026-02-30T10:00:00Z", "2023-02-29T00:00:00Z", "1900-02-29T00:00Z",
        "2026-02-09T24:00:00Z", "2026-02-09T10:60Z", "2026-02-09T10:00:60Z", "", "2026-2-09T10:00Z",
        "2026-02-09T10:00:00.Z", "now"})
    void rejectsEverythingElse(String value) {
        Map<String, List<String>> fields = fieldsOf(() -> parse("until", value));
        assertEquals(List.of("until"), List.copyOf(fields.keySet()));
        assertTrue(fields.get("until").get(0).startsWith("Invalid datetime"));
    }

    @Test
    void dropsPrecisionBeyondMilliseconds() {
        assertEquals(Instant.parse("2026-02-09T10:00:00.123Z"), parse("since", "2026-02-09T10:00:00.123999Z").since().orElseThrow());
        assertEquals(Instant.parse("2026-02-09T10:00:00.100Z"), parse("since", "2026-02-09T10:00:00.1Z").since().orElseThrow());
    }

    @Test
    void uuidsOfAnyVersionAndCase() {
        assertEquals(UUID.fromString("aaaaaaaa-bbbb-1ccc-8ddd-eeeeeeeeeeee"),
                parse("instanceId", "AAAAAAAA-BBBB-1CCC-8DDD-EEEEEEEEEEEE").instanceId().orElseThrow());
        assertTrue(parse("instanceId", "00000000-0000-0000-0000-000000000000").instanceId().isPresent());
        assertEquals(List.of("Invalid uuid"), fieldsOf(() -> parse("instanceId", "abc")).get("instanceId"));
        fieldsOf(() -> parse("instanceId", "aaaaaaaabbbb1ccc8dddeeeeeeeeeeee"));
        fieldsOf(() -> parse("instanceId", "{aaaaaaaa-bbbb-1ccc-8ddd-eeeeeeeeeeee}"));
    }

    @Test
    void granularityIsExactlyHourlyOrDaily() {
        assertEquals(Optional.of(Grain.HOUR), parse("granularity", "hourly").granularity());
        assertEquals(Optional.of(Grain.DAY), parse("granularity", "daily").granularity());
        assertEquals(List.of("Invalid enum value. Expected 'hourly' | 'daily', received 'weekly'"),
                fieldsOf(() -> parse("granularity", "weekly")).get("granularity"));
        fieldsOf(() -> parse("granularity", "HOURLY"));
        fieldsOf(() -> parse("granularity", ""));
        assertEquals(List.of("Expected a single value, received 2 values"),
                fieldsOf(() -> parse("granularity", "hourly", "hourly")).get("granularity"));
    }

    @Test
    void allTimeTakesRealBooleans() {
        assertTrue(parse("allTime", "true").allTime());
        assertTrue(parse("allTime", "1").allTime());
        assertFalse(parse("allTime", "false").allTime());
        assertFalse(parse("allTime", "0").allTime());
        // empty is false, as upstream: the default window, not a 400
        assertFalse(parse("allTime", "").allTime());
        assertEquals(Optional.of(Instant.parse("2026-02-11T15:37:00Z")),
                parse("allTime", "").start(Instant.parse("2026-02-12T15:37:00Z")));
        assertEquals(List.of("Invalid boolean. Expected 'true' | '1' | 'false' | '0' | '', received 'yes'"),
                fieldsOf(() -> parse("allTime", "yes")).get("allTime"));
        fieldsOf(() -> parse("allTime", "TRUE"));
        fieldsOf(() -> parse("allTime", " "));
        fieldsOf(() -> parse("allTime", "", ""));
    }

    @Test
    void fillIsZeroAndNeedsAGranularity() {
        assertTrue(AnalyticsQuery.parse(Map.of("fill", List.of("zero"), "granularity", List.of("daily"))).fillZero());
        assertEquals(List.of("Invalid enum value. Expected 'zero', received 'one'"),
                fieldsOf(() -> AnalyticsQuery.parse(Map.of("fill", List.of("one"), "granularity", List.of("daily"))))
                        .get("fill"));
        fieldsOf(() -> parse("fill", "zero"));
    }

    @Test
    void reportsEveryBadParameterAtOnce() {
        Map<String, List<String>> fields = fieldsOf(() -> AnalyticsQuery.parse(Map.of(
                "since", List.of("x"), "until", List.of("a", "b"), "granularity", List.of("weekly"),
                "instanceId", List.of("abc"), "allTime", List.of("yes"))));
        assertEquals(5, fields.size());
    }

    @Test
    void windowDefaultsAndAllTime() {
        Instant now = Instant.parse("2026-02-12T15:37:00.123456Z");
        AnalyticsQuery none = AnalyticsQuery.parse(Map.of());
        assertEquals(Optional.of(Instant.parse("2026-02-11T15:37:00.123Z")), none.start(now));
        assertEquals(Optional.empty(), none.end());
        AnalyticsQuery all = AnalyticsQuery.parse(Map.of("allTime", List.of("1"), "since", List.of("2026-01-01T00:00Z"),
                "until", List.of("2026-01-02T00:00Z")));
        assertEquals(Optional.empty(), all.start(now));
        assertEquals(Optional.empty(), all.end());
        assertEquals(Optional.of(Instant.parse("2026-01-02T00:00:00Z")),
                parse("until", "2026-01-02T00:00Z").end());
        assertTrue(AnalyticsQuery.parse(Map.of("other", List.of("1", "2"))).since().isEmpty(), "unknown ignored");
    }

    @Test
    void theWindowIsMillisecondExact() {
        Instant now = Instant.parse("2026-02-12T15:37:00.123456Z");
        AnalyticsQuery crossed = AnalyticsQuery.parse(Map.of("since", List.of("2026-02-09T10:00:00.900Z"),
                "until", List.of("2026-02-09T10:00:00.100Z")));
        assertTrue(crossed.window(now).orElseThrow().isEmpty(), "since > until within one second counts nothing");
        assertEquals(new TimeWindow(Instant.parse("2026-02-11T15:37:00.123Z").toEpochMilli(), OptionalLong.empty()),
                AnalyticsQuery.parse(Map.of()).window(now).orElseThrow());
        assertEquals(Optional.empty(), AnalyticsQuery.parse(Map.of("allTime", List.of("true"))).window(now));
    }
}
