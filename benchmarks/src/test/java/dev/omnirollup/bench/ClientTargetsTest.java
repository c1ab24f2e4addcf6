package dev.omnirollup.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ClientTargetsTest {
    private static final ClientDatasets.Shape BASE = new ClientDatasets.Shape(10_000, 50, 60);
    private static final ClientDatasets.Shape BIG_50 = new ClientDatasets.Shape(10_000_000, 50, 60);
    private static final ClientDatasets.Shape BIG_500 = new ClientDatasets.Shape(10_000_000, 500, 60);

    @Test
    void targetsAtTenMillionAgainstTheBaselineAndFewerInstances() {
        List<ClientResult> results = new ArrayList<>();
        ClientEndpoint metrics = endpoint("metrics");
        ClientEndpoint analytics = endpoint("analytics allTime");
        results.add(result(BASE, metrics, 0.50, 2.0, 1_000));
        results.add(result(BASE, analytics, 0.40, 2.0, 1_000));
        results.add(result(BIG_50, metrics, 0.55, 3.0, 6_000));
        results.add(result(BIG_50, analytics, 0.60, 4.0, 3_000));
        results.add(result(BIG_500, metrics, 0.70, 4.0, 6_000));
        results.add(result(BIG_500, analytics, 1.20, 6.0, 3_000));
        ClientTargets targets = new ClientTargets(results, Optional.of(BASE));

        assertEquals(1.1, targets.p50OverBaseline(results.get(2)), 1e-9);
        assertNull(targets.p50OverBaseline(results.get(0)), "the baseline itself");
        assertNull(targets.p50OverBaseline(results.get(4)), "no 10k set with 500 instances");
        assertEquals(2.0, targets.p50OverFewerInstances(results.get(5)), 1e-9);

        List<List<String>> rows = targets.table().rows();
        assertEquals(List.of("PASS", "PASS", "FAIL", "FAIL", "FAIL", "FAIL", "PASS", "PASS", "FAIL", "FAIL"),
                rows.stream().map(r -> r.get(3)).toList(), rows.toString());
        assertTrue(rows.get(2).get(2).contains("1 of 2 endpoints"), rows.get(2).toString());
    }

    @Test
    void withoutTenMillionTheStatusSaysWhereItWasChecked() {
        ClientDatasets.Shape oneMillion = new ClientDatasets.Shape(1_000_000, 50, 60);
        List<ClientResult> results = List.of(result(BASE, endpoint("metrics"), 0.5, 2, 10),
                result(oneMillion, endpoint("metrics"), 0.5, 2, 10));
        List<List<String>> rows = new ClientTargets(results, Optional.of(BASE)).table().rows();
        assertTrue(rows.getFirst().get(3).equals("PASS (checked at 1m; set for 10m, not run)"), rows.toString());
    }

    private static ClientEndpoint endpoint(String name) {
        return new ClientEndpoint(name, "/api/v2/" + name, 200, true, false, Optional.empty());
    }

    /** Keep-alive and new-connection latency equal; upstream p99 = {@code upstreamP99}. */
    private static ClientResult result(ClientDatasets.Shape shape, ClientEndpoint endpoint, double p50, double p99,
                                       double upstreamP99) {
        Percentiles client = new Percentiles(p50, p99, p99, 100);
        RequestBatch.Outcome outcome = new RequestBatch.Outcome(client, Percentiles.NONE, 0, 10, 100);
        return new ClientResult(shape, endpoint, outcome, outcome, Double.NaN, ClientResult.Reads.NONE,
                new Percentiles(upstreamP99 / 2, upstreamP99, upstreamP99, 10));
    }
}
