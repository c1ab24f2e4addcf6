package dev.omnirollup.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.omnirollup.store.WindowReport;
import dev.omnirollup.store.WindowReport.TimelinePoint;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** {@code /events/analytics} from read values, without a server: instances that exist, timelines, nulls. */
class AnalyticsBodyTest {
    static final Instant AT = Instant.parse("2026-02-09T14:30:00Z");
    static final UUID KEPT = UUID.fromString("aaaaaaaa-0000-4000-8000-000000000001");
    static final UUID DELETED = UUID.fromString("aaaaaaaa-0000-4000-8000-000000000002");
    static final String EMPTY = "{\"totalMessages\":0,\"successfulMessages\":0,\"failedMessages\":0,\"successRate\":0,"
            + "\"avgProcessingTimeMs\":null,\"avgAgentTimeMs\":null,\"messageTypes\":{},\"errorStages\":{},"
            + "\"instances\":{},\"byChannel\":{},\"byDirection\":{\"inbound\":0,\"outbound\":0}";

    static AnalyticsQuery query(Map<String, String> params) {
        Map<String, List<String>> raw = new TreeMap<>();
        params.forEach((name, value) -> raw.put(name, List.of(value)));
        return AnalyticsQuery.parse(raw);
    }

    static final WindowReport TWO = Reports.window(Reports.counts(2, 1, 0, 1),
            Map.of("whatsapp-baileys", 1L, "discord", 1L), Map.of("text", 2L), Map.of(),
            Map.of(KEPT, 1L, DELETED, 1L), List.of(new TimelinePoint(Instant.parse("2026-02-09T13:00:00Z").getEpochSecond(), 1),
                    new TimelinePoint(Instant.parse("2026-02-09T14:00:00Z").getEpochSecond(), 1)));

    @Test
    void instancesAreOrderedByTheirTextAndOnlyTheExistingOnes() {
        SplittableRandom random = new SplittableRandom(5);
        Map<UUID, Long> counts = new HashMap<>();
        Set<UUID> existing = new HashSet<>();
        for (int i = 0; i < 600; i++) {
            // both halves over their whole range: negative longs are the ids whose text starts with 8-f
            UUID id = i % 7 == 0 ? UUID.randomUUID() : new UUID(random.nextLong(), random.nextLong());
            counts.put(id, (long) i);
            if (i % 5 != 0) {
                existing.add(id);
            }
        }
        Map<String, Long> expected = new TreeMap<>();
        counts.forEach((id, n) -> {
            if (existing.contains(id)) {
                expected.put(id.toString(), n);
            }
        });
        Map<String, Long> actual = AnalyticsBody.sortedById(counts, existing);
        assertEquals(List.copyOf(expected.entrySet()), List.copyOf(actual.entrySet()));
        assertEquals(Map.of(), AnalyticsBody.sortedById(Map.of(), existing));
    }

    @Test
    void nothingCountedWithAndWithoutATimeline() {
        assertEquals(EMPTY + "}", Json.write(AnalyticsBody.of(query(Map.of()), WindowReport.EMPTY, Set.of(), AT)));
        assertEquals(EMPTY + ",\"timeline\":[]}", Json.write(AnalyticsBody.of(query(Map.of("granularity", "hourly")),
                WindowReport.EMPTY, Set.of(), AT)));
        assertEquals(EMPTY + ",\"timeline\":[]}", Json.write(AnalyticsBody.of(query(Map.of("allTime", "1",
                "granularity", "daily", "fill", "zero")), WindowReport.EMPTY, Set.of(), AT)));
    }

    @Test
    void onlyInstancesThatExistAndASparseTimeline() {
        assertEquals("{\"totalMessages\":2,\"successfulMessages\":1,\"failedMessages\":0,\"successRate\":50,"
                + "\"avgProcessingTimeMs\":null,\"avgAgentTimeMs\":null,\"messageTypes\":{\"text\":2},"
                + "\"errorStages\":{},\"instances\":{\"" + KEPT + "\":1},"
                + "\"byChannel\":{\"discord\":1,\"whatsapp-baileys\":1},\"byDirection\":{\"inbound\":1,\"outbound\":1},"
                + "\"timeline\":[{\"bucket\":\"2026-02-09 13:00:00\",\"count\":1},"
                + "{\"bucket\":\"2026-02-09 14:00:00\",\"count\":1}]}",
                Json.write(AnalyticsBody.of(query(Map.of("granularity", "hourly")), TWO, Set.of(KEPT), AT)));
    }

    @Test
    void oneInstanceIsItsTotalOrNothing() {
        AnalyticsQuery one = query(Map.of("instanceId", KEPT.toString().toUpperCase(Locale.ROOT)));
        assertEquals(Map.of(KEPT.toString(), 2L), AnalyticsBody.of(one, TWO, Set.of(), AT).get("instances"));
        assertEquals(Map.of(), AnalyticsBody.of(one, WindowReport.EMPTY, Set.of(KEPT), AT).get("instances"));
    }

    @Test
    void aZeroFilledTimelineListsEveryBucketOfTheWindow() {
        AnalyticsQuery filled = query(Map.of("granularity", "hourly", "fill", "zero",
                "since", "2026-02-09T11:30:00Z", "until", "2026-02-09T14:10:00Z"));
        assertEquals(List.of(Map.of("bucket", "2026-02-09 11:00:00", "count", 0L),
                        Map.of("bucket", "2026-02-09 12:00:00", "count", 0L),
                        Map.of("bucket", "2026-02-09 13:00:00", "count", 1L),
                        Map.of("bucket", "2026-02-09 14:00:00", "count", 1L)),
                AnalyticsBody.of(filled, TWO, Set.of(), AT).get("timeline"));
        // all time: from the first non-empty bucket to now
        AnalyticsQuery allTime = query(Map.of("allTime", "true", "granularity", "hourly", "fill", "zero"));
        assertEquals(2, ((List<?>) AnalyticsBody.of(allTime, TWO, Set.of(), AT).get("timeline")).size());
        AnalyticsQuery tooMany = query(Map.of("granularity", "hourly", "fill", "zero", "since", "2020-01-01T00:00Z"));
        ApiProblem problem = assertThrows(ApiProblem.class, () -> AnalyticsBody.of(tooMany, TWO, Set.of(), AT));
        assertEquals(400, problem.status());
        assertEquals(Optional.empty(), Optional.ofNullable(AnalyticsBody.of(query(Map.of()), TWO, Set.of(), AT)
                .get("timeline")), "no timeline without a granularity");
    }
}
