package dev.omnirollup.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/** What the validators of query parameters share: single values, UUIDs, and errors collected per parameter. */
final class QueryParams {
    /** A UUID of any version, hex in either case, in 8-4-4-4-12 form (the nil UUID included), as upstream's validator. */
    private static final Pattern UUID_TEXT = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private QueryParams() {
    }

    /** The parameter's only value; a repeated parameter is an error. */
    static Optional<String> single(Map<String, List<String>> raw, String name, Map<String, List<String>> errors) {
        List<String> values = raw.getOrDefault(name, List.of());
        if (values.size() > 1) {
            add(errors, name, "Expected a single value, received " + values.size() + " values");
            return Optional.empty();
        }
        return values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    /** The parameter's value as a UUID; {@code Invalid uuid} under its name when it is not one. */
    static Optional<UUID> uuid(String name, Optional<String> value, Map<String, List<String>> errors) {
        if (value.isEmpty()) {
            return Optional.empty();
        }
        if (!UUID_TEXT.matcher(value.get()).matches()) {
            add(errors, name, "Invalid uuid");
            return Optional.empty();
        }
        return Optional.of(UUID.fromString(value.get().toLowerCase(Locale.ROOT)));
    }

    static void add(Map<String, List<String>> errors, String name, String message) {
        errors.computeIfAbsent(name, k -> new ArrayList<>()).add(message);
    }
}
