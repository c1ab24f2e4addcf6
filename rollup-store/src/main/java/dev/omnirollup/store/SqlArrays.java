package dev.omnirollup.store;

import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.generic.GenericType;

/**
 * The types array parameters are bound with ({@code bindByType(name, list, SqlArrays.LONGS)}, or an array's own
 * class such as {@code Long[].class}): constants, because Jdbi's {@code bindArray(name, Long.class, list)} builds the
 * parameterized type reflectively on every call (a fifth of the API's allocation under the client benchmark, and on
 * every ingest batch as well). Jdbi caches the argument factory per type, so a constant type costs a map lookup.
 */
final class SqlArrays {
    static final GenericType<List<Long>> LONGS = new GenericType<>() {
    };
    static final GenericType<List<Short>> SHORTS = new GenericType<>() {
    };
    static final GenericType<List<String>> STRINGS = new GenericType<>() {
    };
    static final GenericType<List<UUID>> UUIDS = new GenericType<>() {
    };

    private SqlArrays() {
    }
}
