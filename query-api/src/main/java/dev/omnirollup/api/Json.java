package dev.omnirollup.api;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;

/**
 * A small JSON writer with JavaScript's output rules: object keys in the map's iteration order, numbers through
 * {@link JsNumber}, strings escaped like {@code JSON.stringify} (lone surrogates as {@code \\uXXXX}).
 * Values: {@link Map} (string keys), {@link Collection}, {@link CharSequence}, {@link Number}, {@link Boolean},
 * {@link Optional} (empty = {@code null}), and {@code null}. A key is omitted by not putting it in the map.
 */
final class Json {
    private Json() {
    }

    static byte[] bytes(Object value) {
        return write(value).getBytes(StandardCharsets.UTF_8);
    }

    static String write(Object value) {
        // answers run to tens of kilobytes (a map of hundreds of instances): start big rather than copy often
        StringBuilder out = new StringBuilder(4_096);
        append(out, value);
        return out.toString();
    }

    private static void append(StringBuilder out, Object value) {
        switch (value) {
            case null -> out.append("null");
            case Optional<?> optional -> append(out, optional.orElse(null));
            case CharSequence text -> string(out, text);
            case Double d -> out.append(JsNumber.format(d));
            case Float f -> out.append(JsNumber.format(f.doubleValue()));
            case Long l -> out.append(l.longValue());
            case Integer i -> out.append(i.intValue());
            case Short s -> out.append(s.shortValue());
            case Boolean b -> out.append(b.booleanValue());
            case Map<?, ?> map -> {
                out.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> entry : map.entrySet()) {
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    string(out, (String) entry.getKey());
                    out.append(':');
                    append(out, entry.getValue());
                }
                out.append('}');
            }
            case Collection<?> list -> {
                out.append('[');
                boolean first = true;
                for (Object item : list) {
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    append(out, item);
                }
                out.append(']');
            }
            default -> throw new IllegalArgumentException("cannot write " + value.getClass().getName() + " as JSON");
        }
    }

    private static void string(StringBuilder out, CharSequence text) {
        out.append('"');
        if (plain(text)) {
            out.append(text);
            out.append('"');
            return;
        }
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            switch (ch) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    boolean loneSurrogate = Character.isHighSurrogate(ch)
                            ? i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1))
                            : Character.isLowSurrogate(ch) && (i == 0 || !Character.isHighSurrogate(text.charAt(i - 1)));
                    if (ch < 0x20 || loneSurrogate) {
                        out.append(String.format("\\u%04x", (int) ch));
                    } else {
                        out.append(ch);
                    }
                }
            }
        }
        out.append('"');
    }

    /** True when nothing in the text needs escaping (the usual case: keys, uuids, channel names). */
    private static boolean plain(CharSequence text) {
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (ch < 0x20 || ch == '"' || ch == '\\' || Character.isSurrogate(ch)) {
                return false;
            }
        }
        return true;
    }
}