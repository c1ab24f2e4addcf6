package dev.omnirollup.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void keepsKeyOrderAndWritesNumbersLikeJavaScript() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("b", 2L);
        map.put("a", 2.0);
        map.put("rate", 1 / 3.0 * 100);
        map.put("none", Optional.empty());
        map.put("some", Optional.of(7L));
        map.put("list", List.of(true, false));
        map.put("nested", Map.of("x", "y"));
        assertEquals("{\"b\":2,\"a\":2,\"rate\":33.33333333333333,\"none\":null,\"some\":7,\"list\":[true,false],"
                + "\"nested\":{\"x\":\"y\"}}", Json.write(map));
    }

    @Test
    void escapesStringsLikeJsonStringify() {
        assertEquals("\"q\\\"b\\\\n\\n\\t\\u0001é😀\"", Json.write("q\"b\\n\n\t\u0001é😀"));
        assertEquals("\"\\ud800x\"", Json.write("\ud800x"));
        assertEquals("[null]", Json.write(Arrays.asList((Object) null)));
    }

    @Test
    void rejectsValuesItCannotWrite() {
        assertThrows(IllegalArgumentException.class, () -> Json.write(new Object()));
    }
}
