package dev.omnirollup.sim;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * Malformed messages an ingest must reject without retrying forever, deterministic from a seed. Every kind but
 * {@link #OUR_LIMITS} is an event Omni loses too (its bus terminates or dead-letters it, or its persistence handler
 * throws on it; see docs/input-rules.md), so counting none of them matches Omni; the kinds of {@link #OUR_LIMITS}
 * are events Omni would store but that break omni-rollup's own limits (body size, JSON nesting). Subjects are
 * hierarchical {@code message.*} ones (without prefix), each with its own random instance, and
 * {@code automation.executed.<uuid>} for {@code bad-automation-status}. Stateless and thread-safe.
 *
 * <p>Note: NATS servers accept bodies up to their {@code max_payload} (1 MiB by default), so the default
 * {@code huge-string} body ({@value #DEFAULT_HUGE_BYTES} bytes) can only be published to a server configured with a
 * larger limit; pass a smaller {@code hugeBodyBytes} otherwise.
 */
public final class PoisonGenerator {

    /** The kinds, in the order {@link #generate} cycles through them. */
    public static final List<String> KINDS = List.of("bad-json", "not-an-object", "missing-id", "missing-type",
            "missing-payload", "missing-timestamp", "timestamp-not-a-date", "timestamp-out-of-range", "deep-nesting",
            "huge-string", "wrong-type", "unknown-event-type", "invalid-instance-uuid", "metadata-missing",
            "content-missing", "too-long", "nul-in-text", "receipt-without-key", "bad-automation-status");

    /**
     * Kinds Omni would store (its JSON.parse has no nesting limit, and a NATS server allowing big messages delivers
     * the huge one), rejected by omni-rollup's own limits: {@code ingest-max-event-bytes} and a JSON nesting depth
     * of 200.
     */
    public static final Set<String> OUR_LIMITS = Set.of("deep-nesting", "huge-string");

    /** Size of a {@code huge-string} body unless told otherwise: a little over 2 MiB. */
    public static final int DEFAULT_HUGE_BYTES = 2 * 1024 * 1024 + 64 * 1024;

    /** Depth of a {@code deep-nesting} body. */
    public static final int NESTING_DEPTH = 10_000;

    /**
     * +010000-01-01T00:00:00.000Z and 0000-12-31T23:59:59.999Z: valid JavaScript dates whose ISO strings
     * PostgreSQL's timestamp refuses.
     */
    static final long[] OUT_OF_RANGE_TIMESTAMPS = {253_402_300_800_000L, -62_135_596_800_001L};

    /**
     * One malformed message.
     *
     * @param subject NATS subject without prefix
     * @param body    raw body bytes
     * @param kind    one of {@link #KINDS}
     */
    public record Poison(String subject, byte[] body, String kind) {

        public Poison {
            OmniEvent.requireText(subject, "subject");
            Objects.requireNonNull(body, "body");
            if (!KINDS.contains(kind)) {
                throw new IllegalArgumentException("kind must be one of " + KINDS + ", got " + kind);
            }
            body = body.clone();
        }

        @Override
        public byte[] body() {
            return body.clone();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Poison p && subject.equals(p.subject) && kind.equals(p.kind)
                    && Arrays.equals(body, p.body);
        }

        @Override
        public int hashCode() {
            return Objects.hash(subject, kind, Arrays.hashCode(body));
        }

        @Override
        public String toString() {
            return "Poison[" + kind + " on " + subject + ", " + body.length + " bytes]";
        }
    }

    private PoisonGenerator() {
    }

    /** One message of every kind (two for kinds with two variants), in {@link #KINDS} order. */
    public static List<Poison> oneOfEach(long seed, int hugeBodyBytes) {
        return generate(seed, KINDS.size() * 2, hugeBodyBytes);
    }

    /** {@code count} messages cycling through {@link #KINDS}, with the default huge body size. */
    public static List<Poison> generate(long seed, int count) {
        return generate(seed, count, DEFAULT_HUGE_BYTES);
    }

    /** {@code count} messages cycling through {@link #KINDS}; {@code huge-string} bodies are ~{@code hugeBodyBytes}. */
    public static List<Poison> generate(long seed, int count, int hugeBodyBytes) {
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0, got " + count);
        }
        if (hugeBodyBytes < 1024) {
            throw new IllegalArgumentException("hugeBodyBytes must be >= 1024, got " + hugeBodyBytes);
        }
        SplittableRandom random = new SplittableRandom(seed);
        List<Poison> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String kind = KINDS.get(i % KINDS.size());
            int variant = (i / KINDS.size()) % 2;
            out.add(make(random, kind, variant, hugeBodyBytes));
        }
        return List.copyOf(out);
    }

    private static Poison make(SplittableRandom random, String kind, int variant, int hugeBodyBytes) {
        UUID instance = TrafficEpisodes.uuid(random);
        String channel = variant == 0 ? "whatsapp-baileys" : "discord";
        String subject = "message.received." + channel + "." + instance;
        ObjectNode envelope = validEnvelope(random, instance, channel);
        return switch (kind) {
            case "bad-json" -> {
                byte[] body;
                if (variant == 0) {
                    body = new byte[16 + random.nextInt(200)];
                    random.nextBytes(body);
                    body[0] = (byte) 0xC3; // an invalid UTF-8 start that is never valid JSON
                } else {
                    byte[] full = OmniEvent.write(envelope);
                    body = Arrays.copyOf(full, full.length / 2);
                }
                yield new Poison(subject, body, kind);
            }
            case "not-an-object" -> new Poison(subject, utf8(switch (random.nextInt(4)) {
                case 0 -> "[1,2,3]";
                case 1 -> "\"message.received\"";
                case 2 -> "42";
                default -> "null";
            }), kind);
            case "missing-id", "missing-type", "missing-payload", "missing-timestamp" -> {
                envelope.remove(kind.substring("missing-".length()));
                yield new Poison(subject, OmniEvent.write(envelope), kind);
            }
            case "timestamp-not-a-date" -> {
                if (variant == 0) {
                    envelope.put("timestamp", "yesterday at noon");
                } else {
                    envelope.putObject("timestamp").put("ms", envelope.get("timestamp").asLong());
                }
                yield new Poison(subject, OmniEvent.write(envelope), kind);
            }
            case "timestamp-out-of-range" -> {
                envelope.put("timestamp", OUT_OF_RANGE_TIMESTAMPS[variant]);
                yield new Poison(subject, OmniEvent.write(envelope), kind);
            }
            case "deep-nesting" -> {
                StringBuilder json = new StringBuilder(NESTING_DEPTH * 2 + 200);
                String whole = new String(OmniEvent.write(envelope), StandardCharsets.UTF_8);
                int cut = whole.indexOf("\"payload\":{") + "\"payload\":{".length();
                json.append(whole, 0, cut).append("\"nested\":");
                json.append("[".repeat(NESTING_DEPTH)).append("]".repeat(NESTING_DEPTH)).append(',');
                json.append(whole.substring(cut));
                yield new Poison(subject, utf8(json.toString()), kind);
            }
            case "huge-string" -> {
                char[] filler = new char[hugeBodyBytes];
                for (int i = 0; i < filler.length; i++) {
                    filler[i] = (char) ('a' + random.nextInt(26));
                }
                ((ObjectNode) envelope.get("payload").get("content")).put("text", new String(filler));
                yield new Poison(subject, OmniEvent.write(envelope), kind);
            }
            case "wrong-type" -> {
                if (variant == 0) {
                    ((ObjectNode) envelope.get("payload").get("content")).put("text", random.nextInt(1, 1000));
                } else {
                    ((ObjectNode) envelope.get("metadata")).put("instanceId", true);
                }
                yield new Poison(subject, OmniEvent.write(envelope), kind);
            }
            case "unknown-event-type" -> {
                envelope.put("type", variant == 0 ? "message.exploded" : "omni.message.received");
                yield new Poison(subject, OmniEvent.write(envelope), kind);
            }
            case "invalid-instance-uuid" -> {
                ((ObjectNode) envelope.get("metadata")).put("instanceId", "not-a-uuid");
                yield new Poison("message.received." + channel + ".not-a-uuid-" + instance, OmniEvent.write(envelope),
                        kind);
            }
            case "metadata-missing" -> {
                if (variant == 0) {
                    envelope.putNull("metadata");
                } else {
                    envelope.remove("metadata");
                }
                yield new Poison(subject, OmniEvent.write(envelope), kind);
            }
            case "content-missing" -> {
                ObjectNode payload = (ObjectNode) envelope.get("payload");
                if (variant == 0) {
                    payload.remove("content");
                } else {
                    payload.putNull("content");
                }
                yield new Poison(subject, OmniEvent.write(envelope), kind);
            }
            case "too-long" -> {
                ObjectNode payload = (ObjectNode) envelope.get("payload");
                payload.put(variant == 0 ? "externalId" : "chatId", "3EB0" + "F".repeat(252));
                yield new Poison(subject, OmniEvent.write(envelope), kind);
            }
            case "nul-in-text" -> {
                if (variant == 0) {
                    ((ObjectNode) envelope.get("payload")).put("chatId", "5511999990000\u0000@s.whatsapp.net");
                } else {
                    ((ObjectNode) envelope.get("metadata")).put("correlationId", "evt-\u0000");
                }
                yield new Poison(subject, OmniEvent.write(envelope), kind);
            }
            case "receipt-without-key" -> {
                String action = variant == 0 ? "delivered" : "read";
                ObjectNode payload = OmniEvent.JSON.objectNode();
                if (variant == 0) {
                    payload.put("chatId", "5511999990000@s.whatsapp.net"); // no externalId: the lookup fails
                    payload.put("deliveredAt", envelope.get("timestamp").asLong());
                } else {
                    payload.put("externalId", String.format("3EB0%016X", random.nextLong())); // no readAt
                    payload.put("chatId", "5511999990000@s.whatsapp.net");
                }
                envelope.put("type", "message." + action);
                envelope.set("payload", payload);
                yield new Poison("message." + action + "." + channel + "." + instance, OmniEvent.write(envelope),
                        kind);
            }
            case "bad-automation-status" -> {
                OmniEvent execution = OmniEvent.automationExecuted(TrafficEpisodes.uuid(random).toString(),
                        envelope.get("timestamp").asLong(),
                        OmniEvent.Meta.process("evt-poison", "trace-poison", "automation-engine"),
                        Optional.of(instance), TrafficEpisodes.uuid(random), TrafficEpisodes.uuid(random).toString(),
                        "success", List.of(), OptionalLong.of(12), true);
                ObjectNode payload = execution.payload();
                payload.put("status", variant == 0 ? "exploded" : "SUCCESS");
                ObjectNode body = OmniEvent.JSON.objectNode();
                body.put("id", execution.id());
                body.put("type", execution.type());
                body.set("payload", payload);
                body.put("timestamp", execution.timestamp());
                body.set("metadata", execution.metadata());
                yield new Poison(execution.subject(), OmniEvent.write(body), kind);
            }
            default -> throw new IllegalStateException("unhandled kind " + kind);
        };
    }

    /** A well-formed {@code message.received} envelope to break. */
    private static ObjectNode validEnvelope(SplittableRandom random, UUID instance, String channel) {
        long timestamp = 1_767_225_600_000L + random.nextLong(0, 86_400_000L * 60);
        OmniEvent event = OmniEvent.messageReceived(TrafficEpisodes.uuid(random).toString(), timestamp,
                OmniEvent.Meta.plugin("evt-" + Long.toString(timestamp, 36) + "-poison00", instance, channel,
                        TrafficEpisodes.uuid(random).toString()),
                String.format("3EB0%016X", random.nextLong()), "5511999990000@s.whatsapp.net",
                "5511999990000@s.whatsapp.net",
                OmniEvent.content("text", Optional.of("hello"), Optional.empty(), Optional.empty()));
        ObjectNode envelope = OmniEvent.JSON.objectNode();
        envelope.put("id", event.id());
        envelope.put("type", event.type());
        envelope.set("payload", event.payload());
        envelope.put("timestamp", event.timestamp());
        envelope.set("metadata", event.metadata());
        return envelope;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
