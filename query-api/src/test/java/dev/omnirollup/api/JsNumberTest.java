package dev.omnirollup.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JsNumberTest {

    /** Expected strings are what {@code String(x)} / {@code JSON.stringify(x)} print in JavaScript. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "0|0", "-0.0|0", "2|2", "2.0|2", "-2|-2", "0.125|0.125", "0.05|0.05", "1.5|1.5", "100|100",
        "0.1|0.1", "0.3|0.3", "1e21|1e+21", "1.5e21|1.5e+21", "123456789012345680000|123456789012345680000",
        "1e-6|0.000001", "1e-7|1e-7", "1.2345e-7|1.2345e-7", "-1e-7|-1e-7", "5e-324|5e-324",
        "1.7976931348623157e308|1.7976931348623157e+308", "9007199254740993|9007199254740992",
        "4.35|4.35", "0.000123|0.000123", "12345.678|12345.678", "1e20|100000000000000000000"
    })
    void formatsLikeJavaScript(double value, String expected) {
        assertEquals(expected, JsNumber.format(value));
    }

    @Test
    void divisionResultsMatchJavaScriptDigitForDigit() {
        assertEquals("0.4166666666666667", JsNumber.format(10 / 24.0));
        assertEquals("33.33333333333333", JsNumber.format(JsNumber.percent(1, 3)));
        assertEquals("33.333333333333336", JsNumber.format(100 / 3.0));
        assertEquals("0.30000000000000004", JsNumber.format(0.1 + 0.2));
        assertEquals("66.66666666666666", JsNumber.format(JsNumber.percent(2, 3)));
        assertEquals("14.285714285714285", JsNumber.format(JsNumber.percent(1, 7)));
    }

    @Test
    void randomDoublesRoundTripWithNoMoreDigitsThanJava() {
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 200_000; i++) {
            double value = switch (i % 3) {
                case 0 -> Double.longBitsToDouble(random.nextLong());
                case 1 -> random.nextLong(1_000_000) / (double) (1 + random.nextInt(1000));
                default -> random.nextDouble() * 100;
            };
            if (Double.isNaN(value) || Double.isInfinite(value)) {
                continue;
            }
            String text = JsNumber.format(value);
            assertEquals(value == 0 ? 0.0 : value, Double.parseDouble(text), text);
        }
    }

    @Test
    void nonFiniteValuesBecomeNullAsInJsonStringify() {
        assertEquals("null", JsNumber.format(Double.NaN));
        assertEquals("null", JsNumber.format(Double.POSITIVE_INFINITY));
    }

    @Test
    void percentIsZeroForAnEmptyWhole() {
        assertEquals(0.0, JsNumber.percent(0, 0));
        assertEquals(50.0, JsNumber.percent(1, 2));
    }
}
