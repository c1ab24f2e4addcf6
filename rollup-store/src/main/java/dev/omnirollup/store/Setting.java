package dev.omnirollup.store;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * One configuration key: its kebab-case name, default (as text), parser (which validates) and description. Each
 * module declares the settings it reads, beside the typed record it reads them into ({@link StoreSettings} here);
 * {@link Config} loads any list of them.
 *
 * @param parser turns the text into the value, or throws {@link IllegalArgumentException} saying what is accepted
 */
public record Setting<T>(String name, String defaultValue, Function<String, T> parser, String description) {
    /** {@code OMNI_ROLLUP_} and the name in upper snake case. */
    public String environmentVariable() {
        return "OMNI_ROLLUP_" + name.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** A whole number within {@code min .. max}. */
    public static Function<String, Integer> intIn(int min, int max) {
        return value -> {
            int parsed;
            try {
                parsed = Integer.parseInt(value.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + value + "' is not a whole number");
            }
            if (parsed < min || parsed > max) {
                throw new IllegalArgumentException(parsed + " is outside " + min + " .. " + max);
            }
            return parsed;
        };
    }

    /** A {@link #duration} within {@code min .. max}. */
    public static Function<String, Duration> durationIn(Duration min, Duration max) {
        return value -> {
            Duration parsed = duration(value);
            if (parsed.compareTo(min) < 0 || parsed.compareTo(max) > 0) {
                throw new IllegalArgumentException(value + " is outside " + min + " .. " + max);
            }
            return parsed;
        };
    }

    /** Accepts {@code 250ms}, {@code 30s}, {@code 2m}, {@code 24h}, {@code 35d} and ISO-8601 ({@code PT2M}). */
    public static Duration duration(String value) {
        String text = value.trim().toLowerCase(Locale.ROOT);
        try {
            if (text.startsWith("p")) {
                return Duration.parse(text.toUpperCase(Locale.ROOT));
            }
            int split = 0;
            while (split < text.length() && Character.isDigit(text.charAt(split))) {
                split++;
            }
            long amount = Long.parseLong(text.substring(0, split));
            return switch (text.substring(split)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                case "d" -> Duration.ofDays(amount);
                default -> throw new IllegalArgumentException("bad unit");
            };
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("'" + value + "' is not a duration (e.g. 250ms, 30s, 2m, 24h, 35d)");
        }
    }

    /** An ISO-8601 instant, or empty for an empty text. */
    public static Optional<Instant> optionalInstant(String value) {
        if (value.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(value.trim()));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'" + value + "' is not an ISO-8601 instant like 2026-01-01T00:00:00Z");
        }
    }

    /** {@code true} or {@code false}, in any case. */
    public static Boolean bool(String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("'" + value + "' is not true or false");
        };
    }

    /** Any text but an empty one, trimmed. */
    public static String nonBlank(String value) {
        if (value.isBlank()) {
            throw new IllegalArgumentException("must not be empty");
        }
        return value.trim();
    }

    /** A lower-case SQL identifier (a schema name goes into statement text, so it is checked here). */
    public static String identifier(String value) {
        if (!value.matches("[a-z_][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("'" + value + "' is not a lower-case SQL identifier");
        }
        return value;
    }
}
