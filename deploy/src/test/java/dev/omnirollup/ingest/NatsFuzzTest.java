package dev.omnirollup.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omnirollup.sim.OmniEvent;
import dev.omnirollup.sim.PoisonGenerator;
import dev.omnirollup.sim.Publisher;
import dev.omnirollup.store.Await;
import dev.omnirollup.store.ReferenceCheck;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Thousands of malformed envelopes mixed with good events: every bad one is kept in the reject table with a
 * reason, every good one is counted, the worker never dies and its memory stays bounded.
 */
class NatsFuzzTest {
    private static final int POISON = Integer.getInteger("fuzz.poison", 3_000);

    @Test
    void malformedEnvelopesAreSetAsideAndNeverStopTheStream() throws Exception {
        try (IngestHarness harness = new IngestHarness()) {
            int metricsPort = freePort();
            harness.set("ingest-max-event-bytes", Integer.toString(256 * 1024))
                    .set("ingest-metrics-port", Integer.toString(metricsPort));
            List<OmniEvent> good = harness.traffic(13, 4_000);
            harness.persistReference(good);
            List<PoisonGenerator.Poison> poison = PoisonGenerator.generate(17, POISON, 600 * 1024);
            Process worker = harness.startProcess("-Xmx128m");

            Publisher publisher = Publisher.on(harness.nats);
            List<Object> mixed = new ArrayList<>(good);
            List<Object> bad = new ArrayList<>(poison);
            Random random = new Random(3);
            // good events keep their order (their order is part of their meaning); poison goes anywhere
            for (Object p : bad) {
                mixed.add(random.nextInt(mixed.size() + 1), p);
            }
            long[] peak = new long[2]; // heap, RSS: sampled while the worker goes through the poison
            List<OmniEvent> run = new ArrayList<>();
            for (Object item : mixed) {
                if (item instanceof OmniEvent event) {
                    run.add(event);
                    continue;
                }
                if (!run.isEmpty()) {
                    publisher.publishAll(run);
                    run = new ArrayList<>();
                }
                PoisonGenerator.Poison p = (PoisonGenerator.Poison) item;
                publisher.publishRaw(p.subject(), p.body());
            }
            publisher.publishAll(run);

            BooleanSupplier allRejected = () -> {
                Map<String, Double> metrics = scrape(metricsPort);
                peak[0] = Math.max(peak[0], metrics.getOrDefault("process_heap_used_bytes", 0.0).longValue());
                peak[1] = Math.max(peak[1], metrics.getOrDefault("process_resident_memory_bytes", 0.0).longValue());
                return rejects(harness) >= poison.size();
            };
            Await.until("every malformed message is in the reject table", Duration.ofSeconds(240),
                    Duration.ofMillis(250), allRejected);
            long peakHeap = peak[0];
            long peakRss = peak[1];
            harness.awaitCaughtUp(Duration.ofSeconds(240));
            assertTrue(worker.isAlive(), "the worker survived");

            Map<String, Integer> reasonsByKind = new HashMap<>();
            try (Connection c = harness.omni.connect(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT reason FROM rollup.rejects")) {
                while (rs.next()) {
                    assertTrue(!rs.getString(1).isBlank(), "a reason");
                    reasonsByKind.merge(rs.getString(1).replaceAll("[0-9'\"].*", ""), 1, Integer::sum);
                }
            }
            assertEquals(poison.size(), reasonsByKind.values().stream().mapToInt(Integer::intValue).sum(),
                    "every malformed message is in the reject table");
            new ReferenceCheck(harness.rollups).assertAllTimeMatches();
            assertTrue(peakHeap > 0 && peakHeap < 128L * 1024 * 1024, "heap bounded: " + peakHeap);
            System.out.printf("nats fuzz: %d malformed + %d good, peak heap %d MB, peak RSS %d MB, reasons %s%n",
                    poison.size(), good.size(), peakHeap >> 20, peakRss >> 20, new TreeMap<>(reasonsByKind));
        }
    }

    private static long rejects(IngestHarness harness) {
        try (Connection c = harness.omni.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM rollup.rejects")) {
            rs.next();
            return rs.getLong(1);
        } catch (Exception e) {
            return 0;
        }
    }

    static Map<String, Double> scrape(int port) {
        Map<String, Double> values = new HashMap<>();
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.ofString());
            for (String line : response.body().lines().toList()) {
                if (!line.startsWith("#") && line.startsWith("process_")) {
                    String[] parts = line.split(" ");
                    values.put(parts[0], Double.parseDouble(parts[1]));
                }
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            // not up yet
        }
        return values;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
