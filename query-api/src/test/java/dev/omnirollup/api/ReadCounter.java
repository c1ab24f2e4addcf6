package dev.omnirollup.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * A JDBC driver for URLs {@code jdbc:counting:postgresql://…} that delegates to PostgreSQL and, while
 * {@link #start() recording}, runs {@code EXPLAIN (ANALYZE, FORMAT JSON)} of every prepared query (run by
 * {@code executeQuery()}, or by {@code execute()} as Jdbi runs them) before executing it, adding up per table the rows its scan nodes return ({@code Actual Rows} times loops), and separately the rows
 * the plans examined (plus rows removed by filters). Sequential scans are disabled on these connections, so the count is the rows inside the index ranges
 * the statements ask for, not the planner's choice for tiny tables. Test support for showing that reads are bounded; never used in production.
 */
final class ReadCounter implements Driver {
    static final String PREFIX = "jdbc:counting:";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ReadCounter INSTANCE = new ReadCounter();
    private static volatile boolean recording;
    private static final AtomicLong STATEMENTS = new AtomicLong();
    private static final Map<String, AtomicLong> ROWS = new ConcurrentHashMap<>();
    private static final AtomicLong EXAMINED = new AtomicLong();

    /**
     * What one recording saw.
     *
     * @param rowsByTable rollup rows matching the statements' conditions, per table (what the endpoint reads)
     * @param examined    rows the chosen plans touched, including rows an index scan filtered out
     */
    record Reads(long statements, Map<String, Long> rowsByTable, long examined) {
        long rows() {
            return rowsByTable.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    static synchronized void register() throws SQLException {
        if (DriverManager.drivers().noneMatch(d -> d instanceof ReadCounter)) {
            DriverManager.registerDriver(INSTANCE);
        }
    }

    static void start() {
        STATEMENTS.set(0);
        ROWS.clear();
        EXAMINED.set(0);
        recording = true;
    }

    static Reads stop() {
        recording = false;
        Map<String, Long> rows = new TreeMap<>();
        ROWS.forEach((table, n) -> rows.put(table, n.get()));
        return new Reads(STATEMENTS.get(), rows, EXAMINED.get());
    }

    @Override
    public Connection connect(String url, Properties info) throws SQLException {
        if (!acceptsURL(url)) {
            return null;
        }
        Connection real = DriverManager.getConnection("jdbc:" + url.substring(PREFIX.length()), info);
        try (Statement s = real.createStatement()) {
            // measure the rows the index ranges cover: on tiny tables the planner would rather read whole tables
            s.execute("SET enable_seqscan = off");
        }
        return proxy(Connection.class, real, (self, method, args) -> {
            Object result = invoke(method, real, args);
            if (method.getName().equals("prepareStatement") && args.length >= 1 && args[0] instanceof String sql) {
                return statement(real, (PreparedStatement) result, sql);
            }
            return result;
        });
    }

    private static PreparedStatement statement(Connection real, PreparedStatement delegate, String sql) {
        Map<Integer, Object> parameters = new TreeMap<>();
        return proxy(PreparedStatement.class, delegate, (self, method, args) -> {
            if (method.getName().startsWith("set") && args != null && args.length >= 2 && args[0] instanceof Integer i) {
                parameters.put(i, method.getName().equals("setNull") ? null : args[1]);
            }
            // JDBC code reads with executeQuery(); Jdbi reads with execute()
            boolean runs = method.getName().equals("executeQuery")
                    || method.getName().equals("execute") && isRead(sql);
            if (runs && (args == null || args.length == 0) && recording) {
                explain(real, sql, parameters);
            }
            return invoke(method, delegate, args);
        });
    }

    /** Whether the statement only reads (EXPLAIN ANALYZE runs it: a write would be applied twice). */
    private static boolean isRead(String sql) {
        String start = sql.stripLeading();
        return start.regionMatches(true, 0, "SELECT", 0, 6) || start.regionMatches(true, 0, "WITH", 0, 4);
    }

    private static void explain(Connection real, String sql, Map<Integer, Object> parameters) throws SQLException {
        STATEMENTS.incrementAndGet();
        try (PreparedStatement ps = real.prepareStatement("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)) {
            for (Map.Entry<Integer, Object> p : parameters.entrySet()) {
                ps.setObject(p.getKey(), p.getValue());
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                JsonNode plan = JSON.readTree(rs.getString(1)).get(0).get("Plan");
                add(plan);
            } catch (IOException e) {
                throw new SQLException("unreadable plan", e);
            }
        }
    }

    private static void add(JsonNode node) {
        if (node.has("Relation Name")) {
            long loops = Math.max(1, node.path("Actual Loops").asLong());
            long matched = node.path("Actual Rows").asLong() * loops;
            long filtered = (node.path("Rows Removed by Filter").asLong()
                    + node.path("Rows Removed by Index Recheck").asLong()) * loops;
            ROWS.computeIfAbsent(node.get("Relation Name").asText(), k -> new AtomicLong()).addAndGet(matched);
            EXAMINED.addAndGet(matched + filtered);
        }
        for (JsonNode child : node.path("Plans")) {
            add(child);
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> T proxy(Class<T> type, Object delegate, InvocationHandler handler) {
        return (T) Proxy.newProxyInstance(ReadCounter.class.getClassLoader(), new Class<?>[] {type}, handler);
    }

    private static Object invoke(Method method, Object target, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @Override
    public boolean acceptsURL(String url) {
        return url != null && url.startsWith(PREFIX);
    }

    @Override
    public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) {
        return new DriverPropertyInfo[0];
    }

    @Override
    public int getMajorVersion() {
        return 1;
    }

    @Override
    public int getMinorVersion() {
        return 0;
    }

    @Override
    public boolean jdbcCompliant() {
        return false;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException();
    }
}
