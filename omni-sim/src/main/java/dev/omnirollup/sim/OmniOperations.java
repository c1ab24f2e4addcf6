package dev.omnirollup.sim;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

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
 * Each call runs on the given connection in its current transaction mode; the caller owns the connection.
 */
public final class OmniOperations {
    private static final String INSERT_LOG = "INSERT INTO automation_logs (automation_id, event_id, status,"
            + " conditions_matched, actions_executed, error, execution_time_ms) VALUES (?, ?, ?, true, ?::jsonb, ?, ?)";

    private OmniOperations() {
    }

    /** Creates an automation triggered by {@code message.received}; returns its id. */
    public static UUID createAutomation(Connection c, String name) {
        UUID id = UUID.randomUUID();
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO automations (id, name, trigger_event_type, actions)"
                + " VALUES (?, ?, 'message.received', '[{\"type\":\"log\"}]'::jsonb)")) {
            ps.setObject(1, id);
            ps.setString(2, Objects.requireNonNull(name, "name"));
            ps.executeUpdate();
            return id;
        } catch (SQLException e) {
            throw new OmniSimException("creating automation " + name + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * A manual run of an automation whose trigger matches: writes the log row as Omni does ({@code created_at} by
     * the database). In a transaction left open by the caller, the row becomes visible only when it commits, with a
     * {@code created_at} from when the transaction started — older than rows committed meanwhile.
     */
    public static void manualRun(Connection c, UUID automationId, List<OmniEvent.ActionResult> results) {
        boolean success = results.stream().allMatch(r -> r.status().equals("success"));
        String error = results.stream().filter(r -> r.status().equals("failed")).findFirst()
                .flatMap(OmniEvent.ActionResult::error).orElse(null);
        long time = results.stream().mapToLong(OmniEvent.ActionResult::durationMs).sum();
        StringBuilder json = new StringBuilder("[");
        for (OmniEvent.ActionResult result : results) {
            json.append(json.length() > 1 ? "," : "").append(result.toJson());
        }
        json.append(']');
        try (PreparedStatement ps = c.prepareStatement(INSERT_LOG)) {
            ps.setObject(1, automationId);
            ps.setString(2, UUID.randomUUID().toString());
            ps.setString(3, success ? "success" : "failed");
            ps.setString(4, json.toString());
            ps.setString(5, error);
            ps.setObject(6, Math.toIntExact(time), Types.INTEGER);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new OmniSimException("logging a run of automation " + automationId + " failed: " + e.getMessage(), e);
        }
    }

    /** Deletes an automation; its {@code automation_logs} rows go with it. Returns the logs deleted. */
    public static long deleteAutomation(Connection c, UUID automationId) {
        return deleteCounting(c, "automation_logs", "automation_id", "automations", automationId);
    }

    /** Deletes an instance; its {@code omni_events} rows keep counting with a NULL instance. Returns those rows. */
    public static long deleteInstance(Connection c, UUID instanceId) {
        return deleteCounting(c, "omni_events", "instance_id", "instances", instanceId);
    }

    private static long deleteCounting(Connection c, String dependent, String column, String table, UUID id) {
        try (PreparedStatement count = c.prepareStatement("SELECT count(*) FROM " + dependent + " WHERE " + column
                + " = ?"); PreparedStatement delete = c.prepareStatement("DELETE FROM " + table + " WHERE id = ?")) {
            count.setObject(1, id);
            long rows;
            try (var rs = count.executeQuery()) {
                rs.next();
                rows = rs.getLong(1);
            }
            delete.setObject(1, id);
            if (delete.executeUpdate() != 1) {
                throw new OmniSimException("no " + table + " row " + id + " to delete");
            }
            return rows;
        } catch (SQLException e) {
            throw new OmniSimException("deleting " + table + " row " + id + " failed: " + e.getMessage(), e);
        }
    }
}
