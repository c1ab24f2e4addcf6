package dev.omnirollup.ingest;

import dev.omnirollup.sim.OmniEvent;
import dev.omnirollup.sim.ScratchDatabase;
import dev.omnirollup.sim.ScratchNats;
import dev.omnirollup.store.Await;
import dev.omnirollup.store.ReferenceCheck;
import io.nats.NatsServerRunner;
import io.nats.client.Connection;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * NATS and PostgreSQL restart under a running ingest: it stalls, recovers by itself and loses nothing. Uses a
 * private nats-server and a private PostgreSQL so the machine's own services are left alone.
 */
class InfrastructureRestartTest {
    @TempDir
    Path dir;

    @Test
    void ingestRecoversFromNatsAndPostgresRestartsWithoutLoss() throws Exception {
        int natsPort = freePort();
        int pgPort = freePort();
        Path natsStore = Files.createDirectories(dir.resolve("nats"));
        Path pgData = dir.resolve("pg");
        NatsServerRunner natsServer = startNats(natsPort, natsStore);
        EmbeddedPostgres postgres = startPostgres(pgPort, pgData);
        String pgUrl = "jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres?user=postgres";
        try (IngestHarness harness = new IngestHarness(ScratchDatabase.create(pgUrl).withOmniSchema(),
                ScratchNats.connect("nats://127.0.0.1:" + natsPort))) {
            List<OmniEvent> events = harness.traffic(41, 4_500);
            harness.persistReference(events);
            harness.startInProcess();
            harness.publish(events.subList(0, 1_500));

            natsServer.shutdown(true);
            IngestHarness.sleep(1_500); // the outage: NATS stays down a while, so the ingest's fetches fail
            natsServer = startNats(natsPort, natsStore);
            Await.until("the test publisher has reconnected to NATS", Duration.ofSeconds(30),
                    () -> harness.nats.connection().getStatus() == Connection.Status.CONNECTED);
            harness.publish(events.subList(1_500, 3_000));

            postgres.close();
            IngestHarness.sleep(3_000); // the outage: PostgreSQL stays down a while, so batches fail and are retried
            postgres = startPostgres(pgPort, pgData);
            harness.publish(events.subList(3_000, events.size()));

            harness.awaitCaughtUp(Duration.ofSeconds(240));
            new ReferenceCheck(harness.rollups).assertAllTimeMatches();
        } finally {
            natsServer.shutdown(true);
            postgres.close();
        }
    }

    private static NatsServerRunner startNats(int port, Path store) throws Exception {
        return NatsServerRunner.builder()
                .port(port)
                .jetstream(true)
                .customArgs(new String[] {"-sd", store.toString()})
                .build();
    }

    private static EmbeddedPostgres startPostgres(int port, Path data) throws IOException {
        return EmbeddedPostgres.builder()
                .setPort(port)
                .setDataDirectory(data)
                .setCleanDataDirectory(false)
                .setRegisterShutdownHook(true)
                .setPGStartupWait(Duration.ofSeconds(30))
                .start();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
