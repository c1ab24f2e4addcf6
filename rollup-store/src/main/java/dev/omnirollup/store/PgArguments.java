package dev.omnirollup.store;

import java.util.UUID;
import org.jdbi.v3.core.argument.Argument;

/**
 * Values of the statements every API request runs, bound as ready {@link Argument}s. Jdbi applies a bound
 * {@code Argument} as it is; for any other value it looks up an argument factory by the value's type, and that
 * lookup is cached per statement only, so every request resolved each of its types anew through the registered
 * factories (7.5 % of the API's CPU under the client benchmark: finding Q6 in docs/benchmarks.md). Arrays go to the
 * driver as primitive arrays, which PostgreSQL's JDBC driver encodes itself (no boxed lists, no
 * {@code createArrayOf}).
 */
final class PgArguments {
    private PgArguments() {
    }

    static Argument int8(long value) {
        return (position, statement, ctx) -> statement.setLong(position, value);
    }

    static Argument int2(short value) {
        return (position, statement, ctx) -> statement.setShort(position, value);
    }

    static Argument uuid(UUID value) {
        return (position, statement, ctx) -> statement.setObject(position, value);
    }

    /** An {@code int8[]}; the array must not change afterwards. */
    static Argument int8Array(long[] values) {
        return (position, statement, ctx) -> statement.setObject(position, values);
    }

    /** An {@code int2[]}; the array must not change afterwards. */
    static Argument int2Array(short[] values) {
        return (position, statement, ctx) -> statement.setObject(position, values);
    }
}
