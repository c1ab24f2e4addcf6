package dev.omnirollup.sim;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The JavaScript that Omni's persistence runs on a parsed event, for {@link ReferencePersistence}: property access,
 * truthiness, ToString, {@code new Date(x).toISOString()}, {@code JSON.stringify}, and Omni's own
 * {@code sanitizeText} / {@code deepSanitize}. Java's {@code null} is JavaScript's undefined; what JavaScript throws
 * is thrown as {@link TypeError}. This is written apart from the ingest's decoder on purpose: the tests compare the
 * two. Stateless.
 */
final class OmniJs {

    /** A JavaScript exception: Omni's handler would throw, log and acknowledge the event (it is lost). */
    static final class TypeError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TypeError(String message) {
            super(message, null, false, false);
        }
    }

    /** ECMAScript's date-time string format (the only one every engine reads alike). */
    private static final Pattern ISO = Pattern.compile(
            "([+-]\\d{6}|\\d{4})(?:-(\\d\\d)(?:-(\\d\\d))?)?(?:T(\\d\\d):(\\d\\d)(?::(\\d\\d)(?:\\.(\\d{1,3}))?)?"
                    + "(Z|[+-]\\d\\d:\\d\\d)?)?");
    private static final double MAX_TIME = 8.64e15;

    private OmniJs() {
    }

    /** {@code object.name}: undefined on primitives and arrays, a TypeError on undefined and null. */
    static JsonNode get(JsonNode object, String name) {
        if (object == null || object.isNull()) {
            throw new TypeError("Cannot read properties of " + (object == null ? "undefined" : "null")
                    + " (reading '" + name + "')");
        }
        return object.isObject() ? object.get(name) : null;
    }

    static boolean truthy(JsonNode value) {
        if (value == null || value.isNull()) {
            return false;
        }
        return switch (value.getNodeType()) {
            case STRING -> !value.asText().isEmpty();
            case BOOLEAN -> value.asBoolean();
            case NUMBER -> value.asDouble() != 0.0;
            default -> true;
        };
    }

    /** {@code '' + value}. */
    static String string(JsonNode value) {
        switch (value.getNodeType()) {
            case STRING:
                return value.asText();
            case NUMBER:
                return number(value.asDouble());
            case BOOLEAN:
                return Boolean.toString(value.asBoolean());
            case NULL:
                return "null";
            case ARRAY:
                StringBuilder joined = new StringBuilder();
                for (int i = 0; i < value.size(); i++) {
                    if (i > 0) {
                        joined.append(',');
                    }
                    JsonNode element = value.get(i);
                    joined.append(element.isNull() ? "" : string(element));
                }
                return joined.toString();
            default:
                if (value.has("toString")) {
                    throw new TypeError("Cannot convert object to primitive value");
                }
                return "[object Object]";
        }
    }

    /** Number::toString: the fewest digits that read back as the double, then JavaScript's layout. */
    static String number(double value) {
        if (Double.isNaN(value)) {
            return "NaN";
        }
        if (Double.isInfinite(value)) {
            return value < 0 ? "-Infinity" : "Infinity";
        }
        if (value == 0) {
            return "0";
        }
        BigDecimal exact = new BigDecimal(Math.abs(value));
        BigDecimal digits = null;
        for (int precision = 1; digits == null; precision++) {
            BigDecimal floor = exact.round(new MathContext(precision, RoundingMode.FLOOR));
            BigDecimal ceiling = exact.round(new MathContext(precision, RoundingMode.CEILING));
            boolean floorReads = floor.doubleValue() == Math.abs(value);
            boolean ceilingReads = ceiling.doubleValue() == Math.abs(value);
            if (floorReads && ceilingReads) {
                int nearer = exact.subtract(floor).compareTo(ceiling.subtract(exact));
                digits = nearer < 0 ? floor : nearer > 0 ? ceiling
                        : floor.unscaledValue().testBit(0) ? ceiling : floor;
            } else if (floorReads) {
                digits = floor;
            } else if (ceilingReads) {
                digits = ceiling;
            }
        }
        digits = digits.stripTrailingZeros();
        String s = digits.unscaledValue().toString();
        int k = s.length();
        int n = k - digits.scale();
        String sign = value < 0 ? "-" : "";
        if (k <= n && n <= 21) {
            return sign + s + "0".repeat(n - k);
        }
        if (0 < n && n <= 21) {
            return sign + s.substring(0, n) + "." + s.substring(n);
        }
        if (-6 < n && n <= 0) {
            return sign + "0." + "0".repeat(-n) + s;
        }
        String exponent = (n - 1 < 0 ? "-" : "+") + Math.abs(n - 1);
        return sign + s.charAt(0) + (k > 1 ? "." + s.substring(1) : "") + "e" + exponent;
    }

    /**
     * {@code new Date(value).toISOString()}: the ISO string Omni sends for a timestamp column, or a TypeError
     * (RangeError in JavaScript) for an invalid date. Strings outside ECMAScript's date-time format are taken as
     * invalid: their fate depends on the JavaScript engine and the server's time zone.
     */
    static String isoString(JsonNode value) {
        Long ms = time(value);
        if (ms == null) {
            throw new TypeError("RangeError: Invalid time value");
        }
        LocalDateTime utc = LocalDateTime.ofEpochSecond(Math.floorDiv(ms, 1000), 0, ZoneOffset.UTC);
        int year = utc.getYear();
        StringBuilder out = new StringBuilder(27);
        if (year >= 0 && year <= 9999) {
            pad(out, year, 4);
        } else {
            pad(out.append(year < 0 ? '-' : '+'), Math.abs(year), 6);
        }
        pad(out.append('-'), utc.getMonthValue(), 2);
        pad(out.append('-'), utc.getDayOfMonth(), 2);
        pad(out.append('T'), utc.getHour(), 2);
        pad(out.append(':'), utc.getMinute(), 2);
        pad(out.append(':'), utc.getSecond(), 2);
        pad(out.append('.'), (int) Math.floorMod(ms, 1000), 3);
        return out.append('Z').toString();
    }

    private static void pad(StringBuilder out, int value, int width) {
        String digits = Integer.toString(value);
        for (int i = digits.length(); i < width; i++) {
            out.append('0');
        }
        out.append(digits);
    }

    /** The time value of {@code new Date(value)}, or null when it is invalid. */
    static Long time(JsonNode value) {
        if (value == null || value.isObject()) {
            return null;
        }
        if (value.isNull() || value.isBoolean()) {
            return value.asBoolean() ? 1L : 0L;
        }
        if (value.isNumber()) {
            double t = value.asDouble();
            return Math.abs(t) <= MAX_TIME ? (long) t : null;
        }
        String text;
        try {
            text = string(value);
        } catch (TypeError e) {
            return null;
        }
        return parse(text);
    }

    private static Long parse(String text) {
        Matcher m = ISO.matcher(text);
        if (!m.matches() || m.group(1).equals("-000000")) {
            return null;
        }
        boolean timed = m.group(4) != null;
        if (timed && m.group(8) == null) {
            return null; // local time
        }
        int year = Integer.parseInt(m.group(1));
        int month = m.group(2) == null ? 1 : Integer.parseInt(m.group(2));
        int day = m.group(3) == null ? 1 : Integer.parseInt(m.group(3));
        int hour = timed ? Integer.parseInt(m.group(4)) : 0;
        int minute = timed ? Integer.parseInt(m.group(5)) : 0;
        int second = m.group(6) == null ? 0 : Integer.parseInt(m.group(6));
        String fraction = m.group(7) == null ? "0" : (m.group(7) + "00").substring(0, 3);
        if (month < 1 || month > 12 || day < 1 || day > YearMonth.of(year, month).lengthOfMonth()
                || hour > 23 || minute > 59 || second > 59) {
            return null;
        }
        long offsetMinutes = 0;
        String zone = m.group(8);
        if (zone != null && !zone.equals("Z")) {
            int h = Integer.parseInt(zone.substring(1, 3));
            int mm = Integer.parseInt(zone.substring(4, 6));
            if (h > 23 || mm > 59) {
                return null;
            }
            offsetMinutes = (zone.charAt(0) == '-' ? -1 : 1) * (h * 60L + mm);
        }
        long days = LocalDate.of(year, month, day).toEpochDay();
        return days * 86_400_000L + hour * 3_600_000L + minute * 60_000L + second * 1_000L
                + Integer.parseInt(fraction) - offsetMinutes * 60_000L;
    }

    /** Omni's {@code sanitizeText}: undefined for a falsy value; NUL and unpaired surrogates stripped. */
    static String sanitizeText(JsonNode value) {
        if (!truthy(value)) {
            return null;
        }
        if (!value.isTextual()) {
            throw new TypeError("str.replace is not a function");
        }
        StringBuilder out = new StringBuilder();
        value.asText().codePoints().filter(cp -> cp != 0 && !(cp >= 0xD800 && cp <= 0xDFFF))
                .forEach(out::appendCodePoint);
        return out.toString();
    }

    /** Omni's {@code deepSanitize}: strings sanitized (empty ones become undefined), {@code __proto__} keys lost. */
    static JsonNode deepSanitize(JsonNode value) {
        if (value.isTextual()) {
            String clean = sanitizeText(value);
            return clean == null ? null : OmniEvent.JSON.textNode(clean);
        }
        if (value.isArray()) {
            ArrayNode out = OmniEvent.JSON.arrayNode();
            value.forEach(element -> {
                JsonNode clean = deepSanitize(element);
                out.add(clean == null ? OmniEvent.JSON.nullNode() : clean); // JSON.stringify writes undefined as null
            });
            return out;
        }
        if (value.isObject()) {
            ObjectNode out = OmniEvent.JSON.objectNode();
            for (Map.Entry<String, JsonNode> field : value.properties()) {
                JsonNode clean = deepSanitize(field.getValue());
                if (!field.getKey().equals("__proto__") && clean != null) { // result.__proto__ = v sets a prototype
                    out.set(field.getKey(), clean);
                }
            }
            return out;
        }
        return value;
    }

    /**
     * {@code JSON.stringify(value)} as far as PostgreSQL's jsonb input can tell: Jackson's output, except that
     * unpaired surrogates are escaped ({@code \ud800}) as JavaScript escapes them.
     */
    static String stringify(JsonNode value) {
        String json;
        try {
            json = OmniEvent.MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        StringBuilder out = null;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            boolean paired = Character.isHighSurrogate(c) && i + 1 < json.length()
                    && Character.isLowSurrogate(json.charAt(i + 1));
            if (paired) {
                if (out != null) {
                    out.append(c).append(json.charAt(i + 1));
                }
                i++;
            } else if (Character.isSurrogate(c)) {
                if (out == null) {
                    out = new StringBuilder(json.substring(0, i));
                }
                out.append(String.format("\\u%04x", (int) c));
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? json : out.toString();
    }

    /** The text postgres.js writes for a JavaScript string: unpaired surrogates become U+FFFD. */
    static String wireText(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> out.appendCodePoint(cp >= 0xD800 && cp <= 0xDFFF ? 0xFFFD : cp));
        return out.toString();
    }
}
