package dev.omnirollup.store;

import java.util.Comparator;
import java.util.Objects;
import java.util.UUID;

/**
 * Which rollup row, within a layer: its grain (the table), scope, subject (the instance or automation of a
 * {@link Scope#ONE} row, {@link Scope#EVERYONE} otherwise) and bucket (epoch second of its start, 0 for
 * {@link Grain#TOTAL}).
 */
record RollupKey(Grain grain, Scope scope, UUID subject, long bucket) {
    /** The primary key's order within a table; writers lock rows in it, so concurrent writers never deadlock. */
    static final Comparator<RollupKey> LOCK_ORDER = Comparator.comparing(RollupKey::grain)
            .thenComparing(RollupKey::scope).thenComparingLong(RollupKey::bucket).thenComparing(RollupKey::subject);

    RollupKey {
        Objects.requireNonNull(grain, "grain");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(subject, "subject");
        if (scope == Scope.ALL && !subject.equals(Scope.EVERYONE)) {
            throw new IllegalArgumentException("a row of everything has the nil subject, got " + subject);
        }
    }

    static RollupKey everyone(Grain grain, long bucket) {
        return new RollupKey(grain, Scope.ALL, Scope.EVERYONE, bucket);
    }

    static RollupKey of(Grain grain, UUID subject, long bucket) {
        return new RollupKey(grain, Scope.ONE, subject, bucket);
    }
}
