package dev.omnirollup.api;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The body of {@code GET /api/v2/health} from a {@link HealthReport}: upstream's {@code status}, {@code version},
 * {@code uptime} (whole seconds), {@code timestamp} (ISO-8601 UTC with milliseconds) and {@code checks.database},
 * {@code checks.nats}, then our {@code checks.ingest}, and {@code instances} only when the report has them. Pure.
 */
final class HealthBody {
    private static final DateTimeFormatter ISO_MILLIS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private HealthBody() {
    }

    static Map<String, Object> of(HealthReport report) {
        HealthReport.Vitals vitals = report.vitals();
        Map<String, Object> checks = new LinkedHashMap<>();
        checks.put("database", database(vitals.database()));
        checks.put("nats", nats(vitals.nats()));
        checks.put("ingest", ingest(report.ingest()));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", vitals.status());
        body.put("version", vitals.version());
        body.put("uptime", vitals.uptimeSeconds());
        body.put("timestamp", ISO_MILLIS.format(vitals.at()));
        body.put("checks", checks);
        report.instances().ifPresent(instances -> body.put("instances", instances(instances)));
        return body;
    }

    /** {@code {total, connected, byChannel}}: the {@code instances} block of health and of the dashboard. */
    static Map<String, Object> instances(LiveCounts.Instances instances) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("total", instances.total());
        out.put("connected", instances.connected());
        out.put("byChannel", new TreeMap<>(instances.byChannel()));
        return out;
    }

    private static Map<String, Object> database(HealthReport.Database database) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", database.ok() ? "ok" : "error");
        out.put("latency", database.latencyMs());
        database.error().ifPresent(e -> out.put("error", e));
        return out;
    }

    private static Map<String, Object> nats(HealthReport.Nats nats) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("connected", nats.connected());
        details.put("jetstream", nats.jetStream());
        nats.reason().ifPresent(r -> details.put("reason", r));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", nats.ok() ? "ok" : "error");
        out.put("details", details);
        return out;
    }

    private static Map<String, Object> ingest(HealthReport.Ingest ingest) {
        Map<String, Object> streams = new LinkedHashMap<>();
        for (HealthReport.StreamProgress stream : ingest.streams()) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("status", stream.ok() ? "ok" : "error");
            out.put("lastSeq", stream.lastSeq());
            out.put("lastEventAgeMs", stream.lastEventAgeMs());
            out.put("lastAppliedAgeMs", stream.lastAppliedAgeMs());
            out.put("lag", stream.lag());
            out.put("ackPending", stream.ackPending());
            stream.error().ifPresent(e -> out.put("error", e));
            streams.put(stream.stream(), out);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", ingest.ok() ? "ok" : "error");
        out.put("consumer", ingest.consumer());
        out.put("streams", streams);
        return out;
    }
}
