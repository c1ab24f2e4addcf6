package dev.omnirollup.store;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;
import java.util.UUID;

/**
 * What PostgreSQL makes of the values Omni's persistence binds (drizzle-orm passing them unchanged to the
 * postgres.js driver): how the driver sends a JSON value as a parameter, which text a text column then holds,
 * PostgreSQL's {@code uuid} input syntax and what {@code jsonb} refuses. Stateless.
 */
final class PgInput {
    private PgInput() {
    }

    /** How postgres.js sends one JSON value as a query parameter. */
    enum Param {
        /** JavaScript's undefined: an insert uses the column default (NULL), anything else fails. */
        UNDEFINED,
        /** SQL NULL. */
        NULL,
        /** Text of unknown type (PostgreSQL takes the column's): {@link #paramText} is JavaScript's ToString. */
        TEXT,
        /**
         * A parameter declared boolean (a boolean, or an array whose first element is one): a text column stores
         * it as {@code true} or {@code false}; comparing it with text, or storing it in a uuid, fails.
         */
        BOOLEAN,
        /** JavaScript cannot convert it to a string (an object with its own toString property): fails. */
        UNCONVERTIBLE
    }

    /** How postgres.js sends {@code value} (null = undefined). */
    static Param param(JsonNode value) {
        if (value == null) {
            return Param.UNDEFINED;
        }
        if (value.isTextual() || value.isNumber()) {
            return Param.TEXT;
        }
        if (value.isNull()) {
            return Param.NULL;
        }
        if (value.isBoolean()) {
            return Param.BOOLEAN;
        }
        if (value.isArray()) {
            JsonNode first = value;
            while (first.isArray() && !first.isEmpty()) {
                first = first.get(0);
            }
            if (first.isBoolean()) {
                return Param.BOOLEAN; // the type of an array parameter is that of its first element
            }
        }
        return JsCoercion.toJsString(value) == null ? Param.UNCONVERTIBLE : Param.TEXT;
    }

    /**
     * The text a text or varchar column receives for a {@link Param#TEXT} or {@link Param#BOOLEAN} parameter,
     * before {@link #storedText}: JavaScript's ToString, or {@code true}/{@code false} for a boolean parameter (the
     * driver sends {@code t} only for the value {@code true} itself, so an array parameter is always false).
     */
    static String paramText(JsonNode value) {
        if (value.isTextual()) {
            return value.textValue();
        }
        if (param(value) == Param.BOOLEAN) {
            return value.isBoolean() && value.booleanValue() ? "true" : "false";
        }
        return JsCoercion.toJsString(value);
    }

    /**
     * The text PostgreSQL stores for a JavaScript string: unpaired surrogates become U+FFFD (the driver encodes
     * UTF-8 that way), or null when the string contains NUL, which PostgreSQL refuses in text.
     */
    static String storedText(String text) {
        int length = text.length();
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            if (c == 0) {
                return null;
            }
            if (Character.isSurrogate(c)) {
                return replaceLoneSurrogates(text, i);
            }
        }
        return text;
    }

    /**
     * What a {@code varchar(maxChars)} column stores of {@code text} (already {@link #storedText}): the text itself
     * when it has at most that many characters (code points), the text cut to that length when only spaces stand
     * beyond it (PostgreSQL drops them silently), or null when PostgreSQL refuses it as too long.
     */
    static String varchar(String text, int maxChars) {
        if (text.length() <= maxChars) {
            return text;
        }
        int chars = text.codePointCount(0, text.length());
        if (chars <= maxChars) {
            return text;
        }
        int cut = text.offsetByCodePoints(0, maxChars);
        for (int i = cut; i < text.length(); i++) {
            if (text.charAt(i) != ' ') {
                return null;
            }
        }
        return text.substring(0, cut);
    }

    /**
     * PostgreSQL's uuid input: 32 hex digits in either case, optionally in braces, with an optional hyphen after
     * any group of four digits (but not after the last); null when PostgreSQL rejects the text.
     */
    static UUID uuid(String text) {
        int length = text.length();
        int pos = 0;
        boolean braces = length > 0 && text.charAt(0) == '{';
        if (braces) {
            pos++;
        }
        long high = 0;
        long low = 0;
        for (int i = 0; i < 16; i++) {
            if (pos + 2 > length) {
                return null;
            }
            int hi = Character.digit(text.charAt(pos), 16);
            int lo = Character.digit(text.charAt(pos + 1), 16);
            if (hi < 0 || lo < 0 || text.charAt(pos) > 'f' || text.charAt(pos + 1) > 'f') {
                return null; // Character.digit also knows non-ASCII digits; PostgreSQL does not
            }
            int octet = hi << 4 | lo;
            if (i < 8) {
                high = high << 8 | octet;
            } else {
                low = low << 8 | octet;
            }
            pos += 2;
            if (pos < length && text.charAt(pos) == '-' && i % 2 == 1 && i < 15) {
                pos++;
            }
        }
        if (braces) {
            if (pos >= length || text.charAt(pos) != '}') {
                return null;
            }
            pos++;
        }
        return pos == length ? new UUID(high, low) : null;
    }

    /**
     * Whether {@code jsonb} accepts {@code JSON.stringify(value)}: it refuses the escapes of NUL and of unpaired
     * surrogates, in strings and in keys alike.
     */
    static boolean jsonbAccepts(JsonNode value) {
        if (value.isTextual()) {
            return jsonbAccepts(value.textValue());
        }
        if (value.isArray()) {
            for (JsonNode element : value) {
                if (!jsonbAccepts(element)) {
                    return false;
                }
            }
        } else if (value.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                if (!jsonbAccepts(field.getKey()) || !jsonbAccepts(field.getValue())) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * {@link #jsonbAccepts} for a value Omni passed through its {@code deepSanitize} first: string values are
     * cleaned, so only keys can be refused, and {@code __proto__} keys are dropped (assigning them sets a
     * prototype, which JSON.stringify ignores).
     */
    static boolean jsonbAcceptsSanitized(JsonNode value) {
        if (value.isArray()) {
            for (JsonNode element : value) {
                if (!jsonbAcceptsSanitized(element)) {
                    return false;
                }
            }
        } else if (value.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                if (field.getKey().equals("__proto__")) {
                    continue;
                }
                if (!jsonbAccepts(field.getKey()) || !jsonbAcceptsSanitized(field.getValue())) {
                    return false;
                }
            }
        }
        return true;
    }

    static boolean jsonbAccepts(String text) {
        int length = text.length();
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            if (c == 0) {
                return false;
            }
            if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    private static String replaceLoneSurrogates(String text, int from) {
        StringBuilder out = null;
        int length = text.length();
        for (int i = from; i < length; i++) {
            char c = text.charAt(i);
            if (c == 0) {
                return null;
            }
            if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(text.charAt(i + 1))) {
                if (out != null) {
                    out.append(c).append(text.charAt(i + 1));
                }
                i++;
            } else if (Character.isSurrogate(c)) {
                if (out == null) {
                    out = new StringBuilder(length).append(text, 0, i);
                }
                out.append('\uFFFD');
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? text : out.toString();
    }
}
