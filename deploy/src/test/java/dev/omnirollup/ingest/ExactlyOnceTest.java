package dev.omnirollup.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omnirollup.sim.OmniEvent;
import dev.omnirollup.store.Await;
import dev.omnirollup.store.ReferenceCheck;
import dev.omnirollup.store.StoreSettings;
import io.nats.client.api.AckPolicy;
import io.nats.client.JetStreamApiException;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.DeliverPolicy;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** However often NATS delivers a message, its effect on the counters is applied once. */
class ExactlyOnceTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void aProcessKilledBetweenCommitAndAckLosesAndDoublesNothing() throws Exception {
        try (IngestHarness harness = new IngestHarness()) {
            List<OmniEvent> events = referenced(harness, 31, 4_000);
            harness.publish(events);
            for (int crash = 0; crash < 3; crash++) {
                Process doomed = harness.startProcess("-Domnirollup.crashAfterCommit=" + (2 + crash));
                assertTrue(doomed.waitFor(180, TimeUnit.SECONDS), "the crash hook halts the process");
                assertEquals(137, doomed.exitValue(), "halted right after a commit, before its acks");
            }
            harness.startProcess();
            harness.awaitCaughtUp(Duration.ofSeconds(240));
            long deliveries = harness.nats.management().getConsumerInfo(harness.nats.messageStream(), "omni-rollup")
                    .getDelivered().getConsumerSequence();
            assertTrue(deliveries > harness.nats.messageCount(harness.nats.messageStream()),
                    "committed but unacked batches were delivered again (" + deliveries + " deliveries)");
            new ReferenceCheck(harness.rollups).assertAllTimeMatches();
        }
    }

    @Test
    void threeProcessesConsumingAtOnceCountEveryEventOnce() throws Exception {
        try (IngestHarness harness = new IngestHarness()) {
            List<OmniEvent> events = referenced(harness, 32, 8_000);
            harness.set("ingest-batch-size", "100").set("ingest-single-active", "false");
            harness.startProcess();
            harness.startProcess();
            harness.startProcess();
            harness.publish(events);
            harness.awaitCaughtUp(Duration.ofSeconds(240));
            new ReferenceCheck(harness.rollups).assertAllTimeMatches();
            Await.until("all three processes pull", Duration.ofSeconds(30), () -> pullsWaiting(harness) >= 3);
        }
    }

    /**
     * With the lease (the default) one of three processes consumes and the others stand by, pulling nothing; when
     * the active one is killed mid-stream a standby takes over, and every event is counted once.
     */
    @Test
    void aStandbyTakesOverFromAKilledActiveProcess() throws Exception {
        try (IngestHarness harness = new IngestHarness()) {
            List<OmniEvent> events = referenced(harness, 35, 8_000);
            harness.set("ingest-batch-size", "100");
            int[] ports = {freePort(), freePort(), freePort()};
            harness.set("ingest-metrics-port", Integer.toString(ports[0]));
            Process active = harness.startProcess();
            Await.until("the first process is active", Duration.ofSeconds(60), () -> active(ports[0]) == 1);
            for (int i = 1; i < 3; i++) {
                harness.set("ingest-metrics-port", Integer.toString(ports[i]));
                harness.startProcess();
            }
            Await.until("the other two stand by", Duration.ofSeconds(60),
                    () -> active(ports[1]) == 0 && active(ports[2]) == 0);
            Await.until("only the active process pulls", Duration.ofSeconds(30),
                    Await.steadily(5, () -> pullsWaiting(harness) == 1));
            harness.publish(events.subList(0, events.size() / 2));
            Await.until("the active process applied a batch", Duration.ofSeconds(60), () -> acked(harness) > 0);
            active.destroyForcibly();
            assertTrue(active.waitFor(30, TimeUnit.SECONDS));
            harness.publish(events.subList(events.size() / 2, events.size()));
            harness.awaitCaughtUp(Duration.ofSeconds(240));
            new ReferenceCheck(harness.rollups).assertAllTimeMatches();
            Await.until("one standby took over, the other still stands by", Duration.ofSeconds(30),
                    Await.steadily(5, () -> active(ports[1]) + active(ports[2]) == 1));
        }
    }

    /**
     * Three processes with three partitions take one each and count every event once; one is killed mid-stream and
     * the other two take its partition over; then both stop, and a process with one partition consumes the rest of
     * the stream from where the three had applied (not from the cutover), deletes their consumers, and still every
     * event is counted once.
     */
    @Test
    void partitionsSharedByProcessesSurviveAKillAndAChangeOfTheirNumber() throws Exception {
        try (IngestHarness harness = new IngestHarness()) {
            List<OmniEvent> events = referenced(harness, 36, 9_000);
            harness.set("ingest-batch-size", "100").set("ingest-partitions", "3");
            List<String> partitioned = harness.consumers();
            int[] ports = {freePort(), freePort(), freePort()};
            List<Process> processes = new ArrayList<>();
            for (int port : ports) {
                harness.set("ingest-metrics-port", Integer.toString(port));
                processes.add(harness.startProcess());
            }
            Await.until("each process takes one partition", Duration.ofSeconds(60),
                    Await.steadily(5, () -> partitions(ports[0]) == 1 && partitions(ports[1]) == 1
                            && partitions(ports[2]) == 1));
            harness.publish(events.subList(0, 3_000));
            Await.until("every partition's consumer acknowledged messages", Duration.ofSeconds(60),
                    () -> ackFloor(harness, partitioned.get(0)) > 0 && ackFloor(harness, partitioned.get(1)) > 0
                            && ackFloor(harness, partitioned.get(2)) > 0);
            processes.get(0).destroyForcibly();
            assertTrue(processes.get(0).waitFor(30, TimeUnit.SECONDS));
            Await.until("the other two take its partition over", Duration.ofSeconds(30),
                    Await.steadily(5, () -> partitions(ports[1]) + partitions(ports[2]) == 3));
            harness.publish(events.subList(3_000, 6_000));
            harness.awaitCaughtUp(Duration.ofSeconds(240));
            long applied = ackFloor(harness, partitioned.get(0));
            for (Process process : processes.subList(1, 3)) {
                process.destroy();
                assertTrue(process.waitFor(60, TimeUnit.SECONDS));
            }

            harness.set("ingest-partitions", "1");
            harness.startProcess();
            harness.publish(events.subList(6_000, events.size()));
            harness.awaitCaughtUp(Duration.ofSeconds(240));
            new ReferenceCheck(harness.rollups).assertAllTimeMatches();
            ConsumerInfo whole = messageConsumer(harness).orElseThrow();
            assertEquals(DeliverPolicy.ByStartSequence, whole.getConsumerConfiguration().getDeliverPolicy());
            assertEquals(applied + 1, whole.getConsumerConfiguration().getStartSequence(),
                    "the consumer for one partition starts after what the three had applied");
            Await.until("the consumers of three partitions are deleted", Duration.ofSeconds(60),
                    () -> partitioned.stream().allMatch(name -> ackFloor(harness, name) < 0));
        }
    }

    /** Traffic whose rows upstream's persistence has stored already, as the reference for the rollups. */
    private static List<OmniEvent> referenced(IngestHarness harness, long seed, int count) {
        List<OmniEvent> events = harness.traffic(seed, count);
        harness.persistReference(events);
        return events;
    }

    /** 1 when the ingest process on this metrics port consumes, 0 when it stands by, -1 when it does not answer. */
    private static int active(int port) {
        String body = health(port);
        return body.contains("\"active\":true") ? 1 : body.contains("\"active\":false") ? 0 : -1;
    }

    /** How many partitions the ingest process on this metrics port consumes, -1 when it does not answer. */
    private static int partitions(int port) {
        Matcher m = Pattern.compile("\"partitions\":\\[([0-9, ]*)]").matcher(health(port));
        return !m.find() ? -1 : m.group(1).isBlank() ? 0 : m.group(1).split(",").length;
    }

    private static String health(int port) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** The ack floor (stream sequence) of a consumer on the message stream, -1 when it does not exist. */
    private static long ackFloor(IngestHarness harness, String consumer) {
        try {
            return harness.nats.management().getConsumerInfo(harness.nats.messageStream(), consumer).getAckFloor()
                    .getStreamSequence();
        } catch (IOException | JetStreamApiException e) {
            return -1;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Pull requests waiting at the message stream's consumer (one per consuming process, when idle). */
    private static long pullsWaiting(IngestHarness harness) {
        return messageConsumer(harness).map(ConsumerInfo::getNumWaiting).orElse(-1L);
    }

    private static long acked(IngestHarness harness) {
        return messageConsumer(harness).map(info -> info.getAckFloor().getStreamSequence()).orElse(0L);
    }

    /** The message stream's durable consumer, if it exists yet. */
    private static Optional<ConsumerInfo> messageConsumer(IngestHarness harness) {
        try {
            return Optional.of(harness.nats.management().getConsumerInfo(harness.nats.messageStream(),
                    harness.config().get(StoreSettings.INGEST_CONSUMER)));
        } catch (IOException | JetStreamApiException e) {
            return Optional.empty();
        }
    }

    @Test
    void aConsumerDeletedAndRecreatedToReplayTheStreamChangesNothing() throws Exception {
        try (IngestHarness harness = new IngestHarness()) {
            List<OmniEvent> events = referenced(harness, 33, 3_000);
            harness.publish(events);
            IngestDaemon first = harness.startInProcess();
            harness.awaitCaughtUp(Duration.ofSeconds(240));
            first.close();
            ReferenceCheck check = new ReferenceCheck(harness.rollups);
            check.assertAllTimeMatches();

            String consumer = harness.config().get(StoreSettings.INGEST_CONSUMER);
            for (String stream : List.of(harness.nats.messageStream(), harness.nats.automationStream())) {
                harness.nats.management().deleteConsumer(stream, consumer);
                harness.nats.management().addOrUpdateConsumer(stream, ConsumerConfiguration.builder()
                        .durable(consumer)
                        .filterSubject(harness.nats.prefix() + (stream.startsWith("MESSAGE") ? "message.>" : "automation.>"))
                        .ackPolicy(AckPolicy.Explicit)
                        .deliverPolicy(DeliverPolicy.All)
                        .build());
            }
            harness.startInProcess();
            harness.awaitCaughtUp(Duration.ofSeconds(240));
            assertTrue(harness.nats.management().getConsumerInfo(harness.nats.messageStream(), consumer)
                    .getDelivered().getConsumerSequence() >= harness.nats.messageCount(harness.nats.messageStream()),
                    "the new consumer delivered the whole stream again");
            check.assertAllTimeMatches();
        }
    }
}
