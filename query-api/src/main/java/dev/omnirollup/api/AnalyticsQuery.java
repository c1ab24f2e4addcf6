package dev.omnirollup.api;

import dev.omnirollup.store.Grain;
import dev.omnirollup.store.TimeWindow;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The validated query of {@code GET /api/v2/events/analytics}, as upstream validates it except where the OpenAPI
 * document says otherwise: {@code since}/{@code until} ISO-8601 date-times with a trailing upper-case {@code Z}
 * (seconds and any fraction optional, impossible dates rejected, precision beyond milliseconds dropped),
 * {@code instanceId} a UUID of any version in any case, {@code granularity} exactly {@code hourly|daily},
 * {@code allTime} one of {@code true|1} (all time) or {@code false|0} or empty (the window; upstream takes every
 * non-empty value as true), {@code fill} only {@code zero} (and only with a granularity). Each may be given once; unknown parameters are ignored. How the window maps to
 * buckets: docs/windows.md. Pure.
 */
record AnalyticsQuery(Optional<Instant> since, Optional<Instant> until, Optional<UUID> instanceId,
                      Optional<Grain> granularity, boolean allTime, boolean fillZero) {

    static final List<String> PARAMETERS = List.of("since", "until", "instanceId", "granularity", "allTime", "fill");

    // The date-time grammar of zod 3's string().datetime() (no offsets): leap days only in leap years,
    // day counts per month, hours 00-23, seconds 00-59, optional seconds and fraction, trailing Z.
    private static final Pattern DATE_TIME = Pattern.compile(
            "^((\\d\\d[2468][048]|\\d\\d[13579][26]|\\d\\d0[48]|[02468][048]00|[13579][26]00)-02-29"
                    + "|\\d{4}-((0[13578]|1[02])-(0[1-9]|[12]\\d|3[01])|(0[469]|11)-(0[1-9]|[12]\\d|30)"
                    + "|(02)-(0[1-9]|1\\d|2[0-8])))"
                    + "T([01]\\d|2[0-3]):[0-5]\\d(:[0-5]\\d(\\.\\d+)?)?Z$");
    private static final Pattern PARTS = Pattern.compile(
            "^(\\d{4})-(\\d{2})-(\\d{2})T(\\d{2}):(\\d{2})(?::(\\d{2})(?:\\.(\\d+))?)?Z$");

    /**
     * Validates the raw parameters (name to every value given, in order).
     *
     * @throws ApiProblem 400 {@code VALIDATION_ERROR} naming every bad parameter
     */
    static AnalyticsQuery parse(Map<String, List<String>> raw) {
        Map<String, List<String>> errors = new LinkedHashMap<>();
        Optional<String> since = QueryParams.single(raw, "since", errors);
        Optional<String> until = QueryParams.single(raw, "until", errors);
        Optional<String> instance = QueryParams.single(raw, "instanceId", errors);
        Optional<String> granularity = QueryParams.single(raw, "granularity", errors);
        Optional<String> allTime = QueryParams.single(raw, "allTime", errors);
        Optional<String> fill = QueryParams.single(raw, "fill", errors);

        Optional<Instant> sinceValue = since.flatMap(v -> dateTime("since", v, errors));
        Optional<Instant> untilValue = until.flatMap(v -> dateTime("until", v, errors));
        Optional<UUID> instanceValue = QueryParams.uuid("instanceId", instance, errors);
        Optional<Grain> grain = Optional.empty();
        if (granularity.isPresent()) {
            switch (granularity.get()) {
                case "hourly" -> grain = Optional.of(Grain.HOUR);
                case "daily" -> grain = Optional.of(Grain.DAY);
                default -> QueryParams.add(errors, "granularity", "Invalid enum value. Expected 'hourly' | 'daily', received '"
                        + granularity.get() + "'");
            }
        }
        boolean allTimeValue = false;
        if (allTime.isPresent()) {
            switch (allTime.get()) {
                case "true", "1" -> allTimeValue = true;
                case "false", "0", "" -> allTimeValue = false; // empty: upstream's falsy string
                default -> QueryParams.add(errors, "allTime",
                        "Invalid boolean. Expected 'true' | '1' | 'false' | '0' | '', received '" + allTime.get() + "'");
            }
        }
        boolean fillZero = false;
        if (fill.isPresent()) {
            if (!fill.get().equals("zero")) {
                QueryParams.add(errors, "fill", "Invalid enum value. Expected 'zero', received '" + fill.get() + "'");
            } else if (granularity.isEmpty()) {
                QueryParams.add(errors, "fill", "fill=zero needs granularity=hourly or granularity=daily");
            } else {
                fillZero = true;
            }
        }
        if (!errors.isEmpty()) {
            throw ApiProblem.validation(errors);
        }
        return new AnalyticsQuery(sinceValue, untilValue, instanceValue, grain, allTimeValue, fillZero);
    }

    /** The window's inclusive start: {@code since}, or 24 hours before {@code now}; empty for {@code allTime}. */
    Optional<Instant> start(Instant now) {
        if (allTime) {
            return Optional.empty();
        }
        return Optional.of(since.orElse(now.truncatedTo(ChronoUnit.MILLIS).minus(Duration.ofHours(24))));
    }

    /** The window's inclusive end, when one was given (ignored with {@code allTime}, as upstream does). */
    Optional<Instant> end() {
        return allTime ? Optional.empty() : until;
    }

    /** The window {@code [start, end]} (see docs/windows.md); empty for {@code allTime}. */
    Optional<TimeWindow> window(Instant now) {
        return start(now).map(start -> TimeWindow.of(start, end()));
    }


    private static Optional<Instant> dateTime(String name, String value, Map<String, List<String>> errors) {
        if (!DATE_TIME.matcher(value).matches()) {
            QueryParams.add(errors, name, "Invalid datetime (expected ISO-8601 in UTC such as 2026-02-09T10:00:00Z)");
            return Optional.empty();
        }
        Matcher m = PARTS.matcher(value);
        if (!m.matches()) {
            throw new IllegalStateException("date-time grammars disagree on " + value);
        }
        String fraction = m.group(7) == null ? "" : m.group(7);
        int millis = Integer.parseInt((fraction + "000").substring(0, 3));
        LocalDateTime local = LocalDate.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                        Integer.parseInt(m.group(3)))
                .atTime(Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5)),
                        m.group(6) == null ? 0 : Integer.parseInt(m.group(6)), millis * 1_000_000);
        return Optional.of(local.toInstant(ZoneOffset.UTC));
    }

}
