package dev.omnirollup.sim;

import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.JdbiException;

/**
 * What Omni does to its tables without publishing anything on NATS, as its services do it:
 * <ul>
 *   <li>{@code POST /automations/:id/execute} ({@code AutomationService.execute}) runs the actions and writes one
 *       {@code automation_logs} row: a fresh {@code event_id}, {@code success} when every action succeeded else
 *       {@code failed}, {@code conditions_matched = true}, the action results, the first failed action's error,
 *       {@code execution_time_ms} = the sum of the actions' durations, {@code created_at} from the database default
 *       ({@code now()}, the start of the inserting transaction);</li>
 *   <li>creating and deleting an automation (deleting cascades its logs away);</li>
 *   <li>deleting an instance ({@code omni_events.instance_id} is {@code ON DELETE SET NULL}).</li>
 * </ul>
 * Each call runs on the given handle in its current transaction mode (a transaction the caller began stays open);
 * the caller owns the handle.
 */
public final class OmniOperations {
    private static final String INSERT_AUTOMATION = "INSERT INTO automations (id, name, trigger_event_type, actions)"
            + " VALUES (:id, :name, 'message.received', '[{\"type\":\"log\"}]'::jsonb)";
    private static final String INSERT_LOG = "INSERT INTO automation_logs (automation_id, event_id, status,"
            + " conditions_matched, actions_executed, error, execution_time_ms)"
            + " VALUES (:automation_id, :event_id, :status, true, :actions::jsonb, :error, :time)";
    private static final String COUNT_LOGS = "SELECT count(*) FROM automation_logs WHERE automation_id = :id";
    private static final String DELETE_AUTOMATION = "DELETE FROM automations WHERE id = :id";
    private static final String COUNT_EVENTS = "SELECT count(*) FROM omni_events WHERE instance_id = :id";
    private static final String DELETE_INSTANCE = "DELETE FROM instances WHERE id = :id";

    private OmniOperations() {
    }

    /** Creates an automation triggered by {@code message.received}; returns its id. */
    public static UUID createAutomation(Handle handle, String name) {
        UUID id = UUID.randomUUID();
        try {
            handle.createUpdate(INSERT_AUTOMATION).bind("id", id).bind("name", Objects.requireNonNull(name, "name"))
                    .execute();
            return id;
        } catch (JdbiException e) {
            throw new OmniSimException("creating automation " + name + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * A manual run of an automation whose trigger matches: writes the log row as Omni does ({@code created_at} by
     * the database). In a transaction left open by the caller, the row becomes visible only when it commits, with a
     * {@code created_at} from when the transaction started — older than rows committed meanwhile.
     */
    public static void manualRun(Handle handle, UUID automationId, List<OmniEvent.ActionResult> results) {
        boolean success = results.stream().allMatch(r -> r.status().equals("success"));
        String error = results.stream().filter(r -> r.status().equals("failed")).findFirst()
                .flatMap(OmniEvent.ActionResult::error).orElse(null);
        long time = results.stream().mapToLong(OmniEvent.ActionResult::durationMs).sum();
        StringBuilder json = new StringBuilder("[");
        for (OmniEvent.ActionResult result : results) {
            json.append(json.length() > 1 ? "," : "").append(result.toJson());
        }
        json.append(']');
        try {
            handle.createUpdate(INSERT_LOG).bind("automation_id", automationId)
                    .bind("event_id", UUID.randomUUID().toString()).bind("status", success ? "success" : "failed")
                    .bind("actions", json.toString()).bindByType("error", error, String.class)
                    .bind("time", Math.toIntExact(time)).execute();
        } catch (JdbiException e) {
            throw new OmniSimException("logging a run of automation " + automationId + " failed: " + e.getMessage(), e);
        }
    }

    /** Deletes an automation; its {@code automation_logs} rows go with it. Returns the logs deleted. */
    public static long deleteAutomation(Handle handle, UUID automationId) {
        try {
            long logs = handle.createQuery(COUNT_LOGS).bind("id", automationId).mapTo(Long.class).one();
            requireOneDeleted(handle.createUpdate(DELETE_AUTOMATION).bind("id", automationId).execute(),
                    "automations", automationId);
            return logs;
        } catch (JdbiException e) {
            throw new OmniSimException("deleting automations row " + automationId + " failed: " + e.getMessage(), e);
        }
    }

    /** Deletes an instance; its {@code omni_events} rows keep counting with a NULL instance. Returns those rows. */
    public static long deleteInstance(Handle handle, UUID instanceId) {
        try {
            long events = handle.createQuery(COUNT_EVENTS).bind("id", instanceId).mapTo(Long.class).one();
            requireOneDeleted(handle.createUpdate(DELETE_INSTANCE).bind("id", instanceId).execute(), "instances",
                    instanceId);
            return events;
        } catch (JdbiException e) {
            throw new OmniSimException("deleting instances row " + instanceId + " failed: " + e.getMessage(), e);
        }
    }

    private static void requireOneDeleted(int deleted, String table, UUID id) {
        if (deleted != 1) {
            throw new OmniSimException("no " + table + " row " + id + " to delete");
        }
    }
}
