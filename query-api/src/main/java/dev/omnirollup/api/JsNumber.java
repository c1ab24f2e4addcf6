package dev.omnirollup.api;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Formats numbers exactly as JavaScript's {@code Number.prototype.toString} (and so {@code JSON.stringify}) does:
 * integral values without {@code .0}, the shortest digits that round-trip, plain notation for decimal exponents
 * from -7 to 20 and {@code 1.5e+21} / {@code 1e-7} style beyond. Non-finite values become {@code null}, as
 * {@code JSON.stringify} writes them. Pure and thread-safe.
 */
final class JsNumber {
    private JsNumber() {
    }

    static String format(long value) {
        return Long.toString(value);
    }

    static String format(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return "null";
        }
        if (value == 0) {
            return "0"; // also -0, as JavaScript prints it
        }
        String sign = value < 0 ? "-" : "";
        // Double.toString gives the shortest round-trip digits (JDK 19+); BigDecimal takes them apart.
        BigDecimal decimal = new BigDecimal(Double.toString(Math.abs(value))).stripTrailingZeros();
        decimal = shortest(Math.abs(value), decimal);
        String digits = decimal.unscaledValue().toString();
        int k = digits.length();
        int n = k - decimal.scale(); // value = 0.digits × 10^n
        if (k <= n && n <= 21) {
            return sign + digits + "0".repeat(n - k);
        }
        if (0 < n && n <= 21) {
            return sign + digits.substring(0, n) + "." + digits.substring(n);
        }
        if (-6 < n && n <= 0) {
            return sign + "0." + "0".repeat(-n) + digits;
        }
        int exponent = n - 1;
        return sign + digits.charAt(0) + (k > 1 ? "." + digits.substring(1) : "")
                + "e" + (exponent >= 0 ? "+" : "-") + Math.abs(exponent);
    }

    /**
     * Java prints at least two significant digits (e.g. {@code 4.9E-324}) where one would round-trip; JavaScript
     * prints the shortest ({@code 5e-324}). Tries the one-digit neighbours of a two-digit result.
     */
    private static BigDecimal shortest(double value, BigDecimal twoOrMore) {
        if (twoOrMore.precision() != 2) {
            return twoOrMore;
        }
        BigDecimal exact = new BigDecimal(value);
        BigDecimal down = twoOrMore.round(new MathContext(1, RoundingMode.FLOOR));
        BigDecimal up = twoOrMore.round(new MathContext(1, RoundingMode.CEILING));
        BigDecimal best = null;
        for (BigDecimal candidate : new BigDecimal[] {down, up}) {
            if (Double.parseDouble(candidate.toString()) == value && (best == null
                    || candidate.subtract(exact).abs().compareTo(best.subtract(exact).abs()) < 0)) {
                best = candidate;
            }
        }
        return best == null ? twoOrMore : best.stripTrailingZeros();
    }

    /** {@code (part / whole) * 100} in doubles, in that order (upstream's rates); 0 when {@code whole} is 0. */
    static double percent(long part, long whole) {
        return whole == 0 ? 0 : ((double) part / (double) whole) * 100;
    }
}
