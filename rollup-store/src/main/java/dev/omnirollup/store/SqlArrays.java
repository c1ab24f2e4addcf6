package dev.omnirollup.store;

import java.util.UUID;
import org.jdbi.v3.core.generic.GenericType;

/**
 * The types array parameters are bound with ({@code bindByType(name, collection, SqlArrays.LONGS)}, or an array's
 * own class such as {@code Long[].class}): the very {@code Iterable<T>} that Jdbi's
 * {@code bindArray(name, T.class, iterable)} builds, made once, because {@code bindArray} builds it reflectively on
 * every call (a fifth of the API's allocation under the client benchmark, and on every ingest batch as well). Jdbi
 * still resolves the argument factory of each type once per statement; the statements every API request runs bind
 * ready arguments instead ({@link PgArguments}).
 */
final class SqlArrays {
    static final GenericType<Iterable<Long>> LONGS = new GenericType<>() {
    };
    static final GenericType<Iterable<String>> STRINGS = new GenericType<>() {
    };
    static final GenericType<Iterable<UUID>> UUIDS = new GenericType<>() {
    };

    private SqlArrays() {
    }
}
