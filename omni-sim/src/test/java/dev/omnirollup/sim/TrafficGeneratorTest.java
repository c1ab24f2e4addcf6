package dev.omnirollup.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class TrafficGeneratorTest {

    static final Instant END = Instant.parse("2026-02-10T12:00:00Z");

    @Test
    void threeThousandEventsCoverEveryCase() {
        for (long seed : new long[] {1, 2, 42, 20260210}) {
            List<Instance> instances = TrafficGenerator.defaultInstances(8, seed);
            List<OmniEvent> events = TrafficGenerator.generate(
                    TrafficGenerator.Config.of(seed, END, Duration.ofDays(7), 3_000, instances));
            assertEquals(3_000, events.size());
            Map<TrafficCase, Integer> census = TrafficCensus.count(events, END);
            assertEquals(Set.of(), TrafficCensus.missing(census), "seed " + seed + ": " + census);
        }
    }

    @Test
    void mostCasesAppearNaturallyWithoutForcing() {
        // below COVERAGE_MIN nothing is forced: the default probabilities alone must still reach most cases
        List<OmniEvent> events = new ArrayList<>();
        List<Instance> instances = TrafficGenerator.defaultInstances(8, 5);
        for (int i = 0; i < 40; i++) {
            events.addAll(TrafficGenerator.generate(new TrafficGenerator.Config(100 + i,
                    END.minus(Duration.ofDays(3)), END, TrafficGenerator.COVERAGE_MIN - 1, instances,
                    TrafficGenerator.Mix.defaults())));
        }
        Set<TrafficCase> missing = TrafficCensus.missing(TrafficCensus.count(events, END));
        assertTrue(missing.size() <= 3, "missing naturally: " + missing);
    }

    @Test
    void deterministicOrderedAndInsideTheSpan() {
        List<Instance> instances = TrafficGenerator.defaultInstances(6, 9);
        TrafficGenerator.Config config = TrafficGenerator.Config.of(9, END, Duration.ofDays(2), 2_000, instances);
        List<OmniEvent> a = TrafficGenerator.generate(config);
        List<OmniEvent> b = TrafficGenerator.generate(config);
        assertEquals(a, b);
        for (int i = 0; i < a.size(); i++) {
            assertTrue(Arrays.equals(a.get(i).toJson(), b.get(i).toJson()));
        }
        assertNotEquals(a, TrafficGenerator.generate(TrafficGenerator.Config.of(10, END, Duration.ofDays(2), 2_000,
                instances)));
        long start = END.minus(Duration.ofDays(2)).toEpochMilli();
        long lastHour = 0;
        for (int i = 0; i < a.size(); i++) {
            OmniEvent e = a.get(i);
            assertTrue(e.timestamp() >= start && e.timestamp() < END.toEpochMilli(), e.toString());
            if (i > 0) {
                assertTrue(a.get(i - 1).timestamp() <= e.timestamp(), "not in publish order at " + i);
            }
            if (e.timestamp() >= END.toEpochMilli() - 3_600_000) {
                lastHour++;
            }
        }
        // ~10 % of episodes land in the last hour (plus receipts): far above a uniform 1/48
        assertTrue(lastHour > 100 && lastHour < 500, "events in last hour: " + lastHour);
    }

    @Test
    void realisticMix() {
        List<Instance> instances = TrafficGenerator.defaultInstances(10, 3);
        List<OmniEvent> events = TrafficGenerator.generate(
                TrafficGenerator.Config.of(3, END, Duration.ofDays(1), 20_000, instances));
        Map<String, Integer> byType = new HashMap<>();
        for (OmniEvent e : events) {
            byType.merge(e.type(), 1, Integer::sum);
            assertEquals(e, OmniEvent.parse(e.subject(), e.toJson()));
        }
        assertTrue(byType.get("message.received") > byType.get("message.sent"), byType.toString());
        assertTrue(byType.get("message.sent") > byType.get("message.delivered"), byType.toString());
        assertTrue(byType.get("message.delivered") > byType.get("message.read"), byType.toString());
        assertTrue(byType.get("message.read") > byType.get("message.failed"), byType.toString());
        assertTrue(byType.get("automation.executed") > 1_000, byType.toString());
        Set<String> channels = new HashSet<>();
        events.forEach(e -> e.metadataText("channelType").ifPresent(channels::add));
        assertTrue(channels.containsAll(OmniEvent.CHANNEL_TYPES), channels.toString());
    }

    /** A few message events come in shapes Omni stores all the same (docs/input-rules.md); most do not. */
    @Test
    void oddButStorableShapesAreRare() {
        List<OmniEvent> events = TrafficGenerator.generate(
                TrafficGenerator.Config.of(5, END, Duration.ofDays(1), 20_000, TrafficGenerator.defaultInstances(6, 5)));
        Map<String, Integer> odd = new TreeMap<>();
        long messages = 0;
        for (OmniEvent e : events) {
            if (!e.type().startsWith("message.")) {
                continue;
            }
            messages++;
            var payload = e.payload();
            var content = payload.get("content");
            String shape = e.overrides().has("timestamp") ? "timestamp " + e.overrides().get("timestamp").getNodeType()
                    : e.overrides().has("id") ? "numeric id"
                    : content != null && !content.isObject() ? "non-object content"
                    : content != null && !content.has("type") ? "content without type"
                    : payload.path("externalId").isNumber() ? "numeric externalId"
                    : payload.has("externalId") && payload.get("externalId").isNull() ? "null externalId"
                    : payload.path("errorCode").isNumber() || payload.path("errorCode").asText("x").isEmpty()
                            ? "odd errorCode"
                    : payload.path("error").isObject() ? "object error"
                    : payload.has("rawPayload") && payload.get("rawPayload").has("note") ? "raw payload to sanitize"
                    : payload.has("deliveredAt") && payload.get("deliveredAt").isNull()
                            || payload.has("readAt") && payload.get("readAt").isNull() ? "null receipt time"
                    : !e.metadataText("instanceId").map(i -> i.equals(i.toLowerCase(Locale.ROOT))).orElse(true)
                            ? "upper-case instance id" : null;
            if (shape != null) {
                odd.merge(shape, 1, Integer::sum);
            }
        }
        int total = odd.values().stream().mapToInt(Integer::intValue).sum();
        assertTrue(total > 0.005 * messages && total < 0.03 * messages, total + " of " + messages + ": " + odd);
        assertTrue(odd.size() >= 10, "most shapes occur: " + odd);
    }

    @Test
    void messagesOnlyMixForcesNothingElse() {
        List<OmniEvent> events = TrafficGenerator.generate(new TrafficGenerator.Config(4, END.minus(Duration.ofDays(1)),
                END, 3_000, TrafficGenerator.defaultInstances(6, 4), TrafficGenerator.Mix.messagesOnly()));
        for (OmniEvent e : events) {
            assertTrue(e.type().startsWith("message.") && TrafficCensus.hierarchical(e) && !TrafficCensus.isReplay(e)
                    && e.metadataText("channelType").map(OmniEvent::isChannelType).orElse(false), e.toString());
        }
        Set<TrafficCase> missing = TrafficCensus.missing(TrafficCensus.count(events, END));
        assertTrue(missing.stream().noneMatch(c -> c.name().startsWith("RECEIVED_") || c.name().contains("SENT")
                || c.name().startsWith("FAILED_")), missing.toString());
    }

    @Test
    void defaultInstances() {
        List<Instance> instances = TrafficGenerator.defaultInstances(7, 1);
        assertEquals(List.of("whatsapp-baileys", "discord", "telegram", "whatsapp-baileys", "discord", "slack",
                "whatsapp-cloud"), instances.stream().map(Instance::channel).toList());
        assertEquals(instances, TrafficGenerator.defaultInstances(7, 1));
        assertEquals(7, instances.stream().map(Instance::name).distinct().count());
        assertEquals(List.of("whatsapp-baileys"),
                TrafficGenerator.defaultInstances(1, 1).stream().map(Instance::channel).toList());
    }

    @Test
    void liveIteratorIsEndlessAndOrdered() {
        Iterator<OmniEvent> live = TrafficGenerator.live(7, TrafficGenerator.defaultInstances(5, 7), END, 200,
                TrafficGenerator.Mix.defaults());
        long previous = Long.MIN_VALUE;
        long first = -1;
        for (int i = 0; i < 20_000; i++) {
            OmniEvent e = live.next();
            assertTrue(e.timestamp() >= previous, "out of order at " + i);
            previous = e.timestamp();
            if (first < 0) {
                first = e.timestamp();
            }
        }
        // 200 episodes/s -> roughly 20 000 events in well under two minutes of event time
        assertTrue(previous - first < 180_000 && previous - first > 30_000, "span " + (previous - first));
        Map<TrafficCase, Integer> census = TrafficCensus.count(collect(TrafficGenerator.live(7,
                TrafficGenerator.defaultInstances(5, 7), END, 200, TrafficGenerator.Mix.defaults()), 20_000), END);
        assertTrue(census.get(TrafficCase.DELIVERED_AFTER_SENT) > 100, census.toString());
    }

    private static List<OmniEvent> collect(Iterator<OmniEvent> it, int n) {
        List<OmniEvent> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(it.next());
        }
        return out;
    }
}
