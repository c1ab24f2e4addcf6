package dev.omnirollup.store;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.LocalDate;
import java.time.YearMonth;

/**
 * JavaScript's {@code new Date(value)} for a parsed JSON value, as Omni applies it to the envelope timestamp and to
 * {@code deliveredAt} / {@code readAt}, and the range of dates that then reach PostgreSQL: the driver sends
 * {@code toISOString()}, which PostgreSQL's {@code timestamp} accepts for the years 1 to 9999 only. A Java
 * {@code null} stands for {@code undefined}. Stateless.
 *
 * <p>Strings are read only in the ECMAScript date-time string format, the one every engine parses the same way:
 * {@code YYYY}, {@code YYYY-MM} or {@code YYYY-MM-DD} (UTC), optionally followed by {@code THH:mm},
 * {@code THH:mm:ss} or {@code THH:mm:ss.s} (one to three fraction digits) and then {@code Z} or {@code ±HH:mm};
 * {@code ±YYYYYY} years too. Anything else (a date-time without a zone, which JavaScript reads in the server's
 * local time; impossible calendar dates and {@code 24:00}, which engines treat differently; other layouts, which
 * only engine-specific fallbacks read) counts as unreadable.
 */
final class JsDate {
    /** What {@link #newDate} answers for an invalid date (or a conversion that throws in JavaScript). */
    static final long INVALID = Long.MIN_VALUE;
    /** 0001-01-01T00:00:00.000Z, the earliest time PostgreSQL accepts from {@code toISOString()}. */
    static final long MIN_STORABLE_MS = -62_135_596_800_000L;
    /** 9999-12-31T23:59:59.999Z, the latest one (later years print as {@code +010000-...}). */
    static final long MAX_STORABLE_MS = 253_402_300_799_999L;
    /** ECMAScript's time value limit (TimeClip). */
    private static final double MAX_TIME = 8.64e15;

    private JsDate() {
    }

    /**
     * The time value of {@code new Date(value)} in epoch milliseconds, or {@link #INVALID}. Numbers keep their
     * integer part (truncated towards zero), null is 0, booleans are 0 and 1, strings are parsed (see the class
     * comment), arrays are joined into a string first, objects and undefined are invalid.
     */
    static long newDate(JsonNode value) {
        if (value == null) {
            return INVALID;
        }
        if (value.isNumber()) {
            return timeClip(value.doubleValue());
        }
        if (value.isTextual()) {
            return parse(value.textValue());
        }
        if (value.isNull()) {
            return 0;
        }
        if (value.isBoolean()) {
            return value.booleanValue() ? 1 : 0;
        }
        if (value.isArray()) {
            String text = JsCoercion.toJsString(value);
            return text == null ? INVALID : parse(text);
        }
        return INVALID; // "[object Object]" is no date, and an own toString property makes the conversion throw
    }

    /** Whether a valid time value reaches PostgreSQL intact (years 1 to 9999). */
    static boolean storable(long epochMs) {
        return epochMs != INVALID && epochMs >= MIN_STORABLE_MS && epochMs <= MAX_STORABLE_MS;
    }

    /** Why {@code value} gives no storable date (for a reject reason), or null when it does give one. */
    static String problem(JsonNode value) {
        long ms = newDate(value);
        if (storable(ms)) {
            return null;
        }
        if (ms != INVALID) {
            return "is " + shown(value) + ", outside the years 1 to 9999 that PostgreSQL stores";
        }
        if (value == null) {
            return "is missing (new Date(undefined) is an invalid date)";
        }
        if (value.isNumber()) {
            return "is " + JsCoercion.numberToString(value.doubleValue()) + ", beyond JavaScript's date range";
        }
        if (value.isTextual()) {
            return "is " + shown(value) + ": " + new Parser(value.textValue()).problem();
        }
        if (value.isArray()) {
            String text = JsCoercion.toJsString(value);
            return text == null ? "is an array JavaScript cannot convert to a string"
                    : "is an array that JavaScript reads as '" + clip(text) + "': " + new Parser(text).problem();
        }
        return "is an object, which JavaScript turns into an invalid date";
    }

    /** Date.parse of the ECMAScript date-time string format, or {@link #INVALID}. */
    static long parse(String text) {
        Parser parser = new Parser(text);
        long ms = parser.parse();
        return parser.problem == null ? ms : INVALID;
    }

    private static long timeClip(double time) {
        if (!(Math.abs(time) <= MAX_TIME)) {
            return INVALID;
        }
        return (long) time; // truncation towards zero, and -0 becomes 0
    }

    private static String shown(JsonNode value) {
        return value.isTextual() ? "'" + clip(value.textValue()) + "'" : clip(value.toString());
    }

    private static String clip(String text) {
        return text.length() > 60 ? text.substring(0, 60) + "…" : text;
    }

    /** One pass over a date-time string; {@code problem} says what is wrong with it, if anything. */
    private static final class Parser {
        private final String s;
        private int pos;
        private String problem;

        Parser(String s) {
            this.s = s;
        }

        String problem() {
            parse();
            return problem;
        }

        long parse() {
            int year;
            char first = s.isEmpty() ? 0 : s.charAt(0);
            if (first == '+' || first == '-') {
                pos = 1;
                year = digits(6, "an expanded year of six digits");
                if (problem == null && first == '-' && year == 0) {
                    return fail("-000000 is not a year");
                }
                year = first == '-' ? -year : year;
            } else {
                year = digits(4, "a four-digit year");
            }
            int month = 1;
            int day = 1;
            if (problem == null && peek('-')) {
                pos++;
                month = number(2, 1, 12, "month");
                if (problem == null && peek('-')) {
                    pos++;
                    day = number(2, 1, 31, "day");
                }
            }
            if (problem != null) {
                return INVALID;
            }
            if (day > YearMonth.of(year, month).lengthOfMonth()) {
                return fail("there is no day " + day + " in that month (engines disagree on what it means)");
            }
            long ms = LocalDate.of(year, month, day).toEpochDay() * 86_400_000L;
            if (pos == s.length()) {
                return ms; // a date alone is UTC
            }
            if (s.charAt(pos) != 'T') {
                return fail("not in the ISO-8601 form JavaScript reads reliably (e.g. 2026-02-09T10:00:00.000Z)");
            }
            pos++;
            int hour = number(2, 0, 23, "hour");
            expect(':');
            int minute = number(2, 0, 59, "minute");
            int second = 0;
            int millis = 0;
            if (problem == null && peek(':')) {
                pos++;
                second = number(2, 0, 59, "second");
                if (problem == null && peek('.')) {
                    pos++;
                    int start = pos;
                    while (pos < s.length() && isDigit(s.charAt(pos))) {
                        pos++;
                    }
                    int count = pos - start;
                    if (count == 0 || count > 3) {
                        return fail("a fraction of a second needs one to three digits (engines round longer"
                                + " ones differently)");
                    }
                    millis = Integer.parseInt(s.substring(start, pos)) * (count == 1 ? 100 : count == 2 ? 10 : 1);
                }
            }
            if (problem != null) {
                return INVALID;
            }
            ms += hour * 3_600_000L + minute * 60_000L + second * 1_000L + millis;
            if (pos == s.length()) {
                return fail("a date-time without Z or an offset is read in the server's local time zone");
            }
            char zone = s.charAt(pos);
            if (zone == 'Z') {
                pos++;
            } else if (zone == '+' || zone == '-') {
                pos++;
                int offsetHours = number(2, 0, 23, "offset hour");
                expect(':');
                int offsetMinutes = number(2, 0, 59, "offset minute");
                long offset = offsetHours * 3_600_000L + offsetMinutes * 60_000L;
                ms -= zone == '+' ? offset : -offset;
            } else {
                return fail("the time must end with Z or an offset like +02:00");
            }
            if (problem == null && pos != s.length()) {
                return fail("unexpected text after the time zone");
            }
            return problem == null ? ms : INVALID;
        }

        private int digits(int count, String what) {
            if (pos + count > s.length()) {
                fail("expected " + what);
                return 0;
            }
            int value = 0;
            for (int i = 0; i < count; i++) {
                char c = s.charAt(pos + i);
                if (!isDigit(c)) {
                    fail("expected " + what);
                    return 0;
                }
                value = value * 10 + (c - '0');
            }
            pos += count;
            return value;
        }

        private int number(int count, int min, int max, String what) {
            if (problem != null) {
                return 0;
            }
            int value = digits(count, "a two-digit " + what);
            if (problem == null && (value < min || value > max)) {
                fail("the " + what + " " + value + " is out of range");
            }
            return value;
        }

        private void expect(char c) {
            if (problem == null) {
                if (peek(c)) {
                    pos++;
                } else {
                    fail("expected '" + c + "' at position " + pos);
                }
            }
        }

        private boolean peek(char c) {
            return pos < s.length() && s.charAt(pos) == c;
        }

        private long fail(String why) {
            if (problem == null) {
                problem = why;
            }
            return INVALID;
        }

        private static boolean isDigit(char c) {
            return c >= '0' && c <= '9';
        }
    }
}
