package dev.omnirollup.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvFileSource;
import org.junit.jupiter.params.provider.CsvSource;

class JsCoercionTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The expected strings were printed by JavaScript ({@code String(x)} in Node 20) for the same doubles. */
    @ParameterizedTest(name = "{1}")
    @CsvFileSource(resources = "/js/number-to-string.csv", numLinesToSkip = 1)
    void numbersPrintAsJavaScriptPrintsThem(String bits, String javascript) {
        double value = Double.longBitsToDouble(HexFormat.fromHexDigitsToLong(bits));
        assertEquals(javascript, JsCoercion.numberToString(value));
    }

    @Test
    void numberStringsAreShortestAndReadBackExactly() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 20_000; i++) {
            double value = Double.longBitsToDouble(random.nextLong());
            if (!Double.isFinite(value)) {
                continue;
            }
            String text = JsCoercion.numberToString(value);
            assertEquals(value == 0 ? 0.0 : value, Double.parseDouble(text), text);
            String digits = text.replaceFirst("^-", "").replaceFirst("e.*$", "").replace(".", "")
                    .replaceFirst("^0+", "").replaceFirst("0+$", "");
            assertTrue(digits.length() <= 17, text);
        }
        assertEquals("0", JsCoercion.numberToString(-0.0));
        assertEquals("-Infinity", JsCoercion.numberToString(Double.NEGATIVE_INFINITY));
        assertEquals("123", JsCoercion.numberToString(123));
        assertEquals("-9007199254740991", JsCoercion.numberToString(-9_007_199_254_740_991d));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "\"abc\"|abc",
        "123|123",
        "1e21|1e+21",
        "12345678901234567890|12345678901234567000",
        "-0.0|0",
        "true|true",
        "null|null",
        "{\"a\":1}|[object Object]",
        "{\"valueOf\":1}|[object Object]",
        "[]|''",
        "[\"a\",\"b\"]|a,b",
        "[null,1,[2,[3,null]]]|',1,2,3,'",
        "[{},true]|'[object Object],true'",
    })
    void toStringIsJavaScriptsToString(String json, String expected) throws Exception {
        assertEquals(expected, JsCoercion.toJsString(JSON.readTree(json)));
    }

    /** Expected: what {@code new TextDecoder().decode(bytes)} printed in Node 20, as code points. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "e282,fffd", "e28241,fffd 41", "eda080,fffd fffd fffd", "f0808080,fffd fffd fffd fffd", "c0af,fffd fffd",
        "f4908080,fffd fffd fffd fffd", "ff,fffd", "e2ff,fffd fffd", "f09f98,fffd", "f09f9841,fffd 41",
        "80bf,fffd fffd", "c3,fffd", "efbbbf41,41", "efbbbfefbbbf,feff", "f09f9880c3a9,1f600 e9",
    })
    void textDecoderReplacesMalformedUtf8AsTheWhatwgDecoderDoes(String hex, String codePoints) {
        String decoded = JsCoercion.textDecoder(HexFormat.of().parseHex(hex));
        StringBuilder actual = new StringBuilder();
        decoded.codePoints().forEach(c -> actual.append(actual.isEmpty() ? "" : " ").append(Integer.toHexString(c)));
        assertEquals(codePoints, actual.toString());
    }

    @Test
    void objectsWithTheirOwnToStringCannotBeConverted() throws Exception {
        assertNull(JsCoercion.toJsString(JSON.readTree("{\"toString\":\"x\"}")));
        assertNull(JsCoercion.toJsString(JSON.readTree("[1,{\"toString\":null}]")));
    }

    @Test
    void truthiness() throws Exception {
        for (String falsy : new String[] {"null", "false", "0", "-0", "0.0", "0e5", "\"\""}) {
            assertFalse(JsCoercion.truthy(JSON.readTree(falsy)), falsy);
        }
        assertFalse(JsCoercion.truthy((JsonNode) null), "undefined");
        for (String truthy : new String[] {"true", "1", "-1e-300", "\"0\"", "\" \"", "{}", "[]", "[0]"}) {
            assertTrue(JsCoercion.truthy(JSON.readTree(truthy)), truthy);
        }
    }
}
