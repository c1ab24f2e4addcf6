package dev.omnirollup.api;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What this service can say of its own health at one instant: built in one place ({@link HealthProbe}), mapped to
 * the body of {@code GET /api/v2/health} by {@link HealthBody} and (its {@link Vitals}) to the {@code system} block
 * of {@code GET /api/v2/dashboard} by {@link DashboardBody}. Only a failing database makes the service degraded (503): the API answers from
 * PostgreSQL, so NATS or ingest trouble is reported in the checks without taking replicas out of rotation.
 * Immutable.
 *
 * @param vitals    the checks every view of health shares
 * @param ingest    how far the ingest has got on each stream
 * @param instances Omni's instances as the live counts hold them; empty when the database check failed or the
 *                  counts could not be had (upstream omits them when its instances query throws)
 */
record HealthReport(Vitals vitals, Ingest ingest, Optional<LiveCounts.Instances> instances) {

    HealthReport {
        if (instances.isPresent() && !vitals.healthy()) {
            throw new IllegalArgumentException("instances: not reported while the database check fails");
        }
    }

    /**
     * The database and NATS checks, this build's version, the uptime and the instant of the report: what
     * {@code /health} and the dashboard's summary share (the dashboard's checks may be up to {@link HealthProbe#TTL}
     * old).
     */
    record Vitals(Database database, Nats nats, String version, long uptimeSeconds, Instant at) {
        Vitals {
            if (uptimeSeconds < 0) {
                throw new IllegalArgumentException("uptimeSeconds must be >= 0, got " + uptimeSeconds);
            }
        }

        /** Healthy (200) while the database answers, else degraded (503). */
        boolean healthy() {
            return database.ok();
        }

        /** {@code healthy} or {@code degraded}. */
        String status() {
            return healthy() ? "healthy" : "degraded";
        }
    }

    /** The database check: its round trip in whole milliseconds, and why it failed when it did. */
    record Database(long latencyMs, Optional<String> error) {
        Database {
            if (latencyMs < 0) {
                throw new IllegalArgumentException("latencyMs must be >= 0, got " + latencyMs);
            }
        }

        boolean ok() {
            return error.isEmpty();
        }
    }

    /** The NATS check: connected, and JetStream answering; why not when it is not. */
    record Nats(boolean connected, boolean jetStream, Optional<String> reason) {
        Nats {
            if (jetStream && !connected) {
                throw new IllegalArgumentException("jetStream: cannot answer without a connection");
            }
        }

        boolean ok() {
            return connected && jetStream;
        }
    }

    /** The ingest check of every stream the ingest reads, with the durable consumer they share. */
    record Ingest(String consumer, List<StreamProgress> streams) {
        Ingest {
            streams = List.copyOf(streams);
        }

        /** Whether every stream's check is ok. */
        boolean ok() {
            return streams.stream().allMatch(StreamProgress::ok);
        }
    }

    /**
     * One stream's ingest: the last applied sequence and the ages of the newest applied event and of the last
     * commit (empty when nothing was ever applied); the consumer's lag and unacknowledged messages (empty when
     * NATS could not be asked); and what is wrong, if anything.
     */
    record StreamProgress(String stream, Optional<Long> lastSeq, Optional<Long> lastEventAgeMs,
                          Optional<Long> lastAppliedAgeMs, Optional<Long> lag, Optional<Long> ackPending,
                          Optional<String> error) {
        boolean ok() {
            return error.isEmpty();
        }
    }
}
