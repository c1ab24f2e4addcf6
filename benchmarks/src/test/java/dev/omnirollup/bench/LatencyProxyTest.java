package dev.omnirollup.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** The proxy of {@code --db-latency}: answers come through intact, and a round trip takes at least twice the delay. */
class LatencyProxyTest {
    @Test
    void forwardsBothWaysAndDelaysEachRoundTrip() throws Exception {
        String url = BenchServers.postgresServer();
        try (LatencyProxy proxy = LatencyProxy.before(url, 25);
             Connection c = DriverManager.getConnection(proxy.through(url));
             Statement s = c.createStatement()) {
            for (int i = 0; i < 3; i++) {
                long t0 = System.nanoTime();
                try (ResultSet rs = s.executeQuery("SELECT repeat('x', 100000)")) {
                    rs.next();
                    assertEquals(100_000, rs.getString(1).length());
                }
                double ms = (System.nanoTime() - t0) / 1e6;
                assertTrue(ms >= 50, "a round trip through the proxy took " + ms + " ms, less than twice 25 ms");
            }
        }
    }
}
