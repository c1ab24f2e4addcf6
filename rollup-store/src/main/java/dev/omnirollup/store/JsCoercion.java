package dev.omnirollup.store;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Iterator;

/**
 * JavaScript's coercions, as Omni (TypeScript on Bun) applies them when it persists an event: decoding the body
 * ({@code TextDecoder}), truthiness of a JSON value ({@code if (!event.id)}) and ToString ({@code '' + value},
 * which is how its database driver turns a non-string parameter into text). A Java {@code null} stands for
 * JavaScript's {@code undefined} (a missing property). Stateless.
 */
final class JsCoercion {
    /** Integers below this magnitude print as plain digits in both languages. */
    private static final double EXACT_INTEGERS = 9_007_199_254_740_992d; // 2^53

    private JsCoercion() {
    }

    /** JavaScript's truthiness of a JSON value: false for undefined, null, false, 0, -0 and "". */
    static boolean truthy(JsonNode value) {
        if (value == null || value.isNull()) {
            return false;
        }
        if (value.isTextual()) {
            return !value.textValue().isEmpty();
        }
        if (value.isBoolean()) {
            return value.booleanValue();
        }
        if (value.isNumber()) {
            return value.doubleValue() != 0; // JSON has no NaN
        }
        return true; // objects and arrays, even empty ones
    }

    /**
     * JavaScript's ToString of a JSON value ({@code '' + value}), or null when JavaScript throws instead (an object
     * with its own {@code toString} property: JSON cannot make it callable, so conversion fails with a TypeError).
     * Objects become {@code "[object Object]"}; arrays join their elements with commas, null elements as "".
     *
     * @param value a JSON value, not undefined
     */
    static String toJsString(JsonNode value) {
        if (value.isTextual()) {
            return value.textValue();
        }
        if (value.isNumber()) {
            return numberToString(value.doubleValue());
        }
        if (value.isBoolean()) {
            return value.booleanValue() ? "true" : "false";
        }
        if (value.isNull()) {
            return "null";
        }
        if (value.isArray()) {
            StringBuilder joined = new StringBuilder();
            for (Iterator<JsonNode> it = value.elements(); it.hasNext(); ) {
                JsonNode element = it.next();
                if (!element.isNull()) {
                    String text = toJsString(element);
                    if (text == null) {
                        return null;
                    }
                    joined.append(text);
                }
                if (it.hasNext()) {
                    joined.append(',');
                }
            }
            return joined.toString();
        }
        return value.has("toString") ? null : "[object Object]";
    }

    /**
     * {@code new TextDecoder().decode(bytes)}: UTF-8 with a leading byte order mark dropped and every malformed
     * sequence replaced by U+FFFD the way the WHATWG Encoding standard does it (an encoded surrogate, for instance,
     * gives three replacement characters, where Java's decoder gives one).
     */
    static String textDecoder(byte[] bytes) {
        StringBuilder out = new StringBuilder(bytes.length);
        int needed = 0;
        int seen = 0;
        int codePoint = 0;
        int lower = 0x80;
        int upper = 0xBF;
        int start = bytes.length >= 3 && (bytes[0] & 0xFF) == 0xEF && (bytes[1] & 0xFF) == 0xBB
                && (bytes[2] & 0xFF) == 0xBF ? 3 : 0;
        for (int i = start; i < bytes.length; i++) {
            int b = bytes[i] & 0xFF;
            if (needed == 0) {
                if (b <= 0x7F) {
                    out.append((char) b);
                } else if (b >= 0xC2 && b <= 0xDF) {
                    needed = 1;
                    codePoint = b & 0x1F;
                } else if (b >= 0xE0 && b <= 0xEF) {
                    lower = b == 0xE0 ? 0xA0 : 0x80;
                    upper = b == 0xED ? 0x9F : 0xBF;
                    needed = 2;
                    codePoint = b & 0x0F;
                } else if (b >= 0xF0 && b <= 0xF4) {
                    lower = b == 0xF0 ? 0x90 : 0x80;
                    upper = b == 0xF4 ? 0x8F : 0xBF;
                    needed = 3;
                    codePoint = b & 0x07;
                } else {
                    out.append('\uFFFD');
                }
                continue;
            }
            if (b < lower || b > upper) {
                needed = 0;
                seen = 0;
                codePoint = 0;
                lower = 0x80;
                upper = 0xBF;
                out.append('\uFFFD');
                i--; // the byte starts afresh
                continue;
            }
            lower = 0x80;
            upper = 0xBF;
            codePoint = codePoint << 6 | (b & 0x3F);
            if (++seen == needed) {
                out.appendCodePoint(codePoint);
                needed = 0;
                seen = 0;
                codePoint = 0;
            }
        }
        if (needed != 0) {
            out.append('\uFFFD');
        }
        return out.toString();
    }

    /**
     * JavaScript's Number::toString(10) of a double: the shortest digits that read back as the same double (the
     * closest of them, ties to even), written as an integer up to 21 digits, as a decimal fraction down to 1e-6,
     * and in exponent form ({@code 1e+21}, {@code 1.5e-7}) beyond.
     */
    static String numberToString(double value) {
        if (value == 0) {
            return "0"; // -0 too
        }
        if (Double.isNaN(value)) {
            return "NaN";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "Infinity" : "-Infinity";
        }
        double magnitude = Math.abs(value);
        String sign = value < 0 ? "-" : "";
        if (magnitude < EXACT_INTEGERS && magnitude == Math.rint(magnitude)) {
            return sign + (long) magnitude;
        }
        BigDecimal shortest = shortestDecimal(magnitude);
        String digits = shortest.unscaledValue().toString();
        int k = digits.length();
        int n = k - shortest.scale(); // the value is 0.d1d2...dk x 10^n
        StringBuilder out = new StringBuilder(sign);
        if (k <= n && n <= 21) {
            out.append(digits).append("0".repeat(n - k));
        } else if (0 < n && n <= 21) {
            out.append(digits, 0, n).append('.').append(digits, n, k);
        } else if (-6 < n && n <= 0) {
            out.append("0.").append("0".repeat(-n)).append(digits);
        } else {
            int exponent = n - 1;
            out.append(digits.charAt(0));
            if (k > 1) {
                out.append('.').append(digits, 1, k);
            }
            out.append('e').append(exponent >= 0 ? '+' : '-').append(Math.abs(exponent));
        }
        return out.toString();
    }

    /**
     * The shortest decimal that reads back as {@code magnitude} (positive, finite), without trailing zeros. Java's
     * {@link Double#toString} already gives the shortest one of at least two digits; JavaScript also accepts a
     * single digit, so when Java answers with two, a one-digit decimal is tried first.
     */
    private static BigDecimal shortestDecimal(double magnitude) {
        BigDecimal java = new BigDecimal(Double.toString(magnitude)).stripTrailingZeros();
        if (java.precision() != 2) {
            return java;
        }
        BigDecimal exact = new BigDecimal(magnitude);
        BigDecimal below = exact.round(new MathContext(1, RoundingMode.DOWN));
        BigDecimal above = exact.round(new MathContext(1, RoundingMode.UP));
        boolean belowWorks = Double.parseDouble(below.toString()) == magnitude;
        boolean aboveWorks = Double.parseDouble(above.toString()) == magnitude;
        if (belowWorks && aboveWorks) {
            int closer = exact.subtract(below).compareTo(above.subtract(exact));
            if (closer != 0) {
                return (closer < 0 ? below : above).stripTrailingZeros();
            }
            boolean belowOdd = below.unscaledValue().testBit(0);
            return (belowOdd ? above : below).stripTrailingZeros();
        }
        if (belowWorks) {
            return below.stripTrailingZeros();
        }
        return aboveWorks ? above.stripTrailingZeros() : java;
    }
}
