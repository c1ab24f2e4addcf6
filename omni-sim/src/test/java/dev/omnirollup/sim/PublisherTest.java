package dev.omnirollup.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats.client.JetStreamManagement;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class PublisherTest {

    @Test
    void publishesTenThousandEventsAndCleansUp() throws Exception {
        String messageStream;
        String automationStream;
        String foreign;
        try (ScratchNats nats = ScratchNats.connect()) {
            assertTrue(nats.prefix().matches("t[a-z0-9]{5}\\."), nats.prefix());
            messageStream = nats.messageStream();
            automationStream = nats.automationStream();
            nats.instanceStream();
            assertEquals("MESSAGE_" + nats.suffix(), messageStream);
            assertEquals(messageStream, nats.messageStream()); // idempotent
            JetStreamManagement jsm = nats.management();
            StreamConfiguration config = jsm.getStreamInfo(messageStream).getConfiguration();
            assertEquals(List.of(nats.prefix() + "message.>"), config.getSubjects());
            assertEquals(Duration.ofDays(30), config.getMaxAge());
            assertEquals(StorageType.File, config.getStorageType());
            // a stream created by code under test with the suffix is cleaned up too
            foreign = "ROLLUP_" + nats.suffix();
            jsm.addStream(StreamConfiguration.builder().name(foreign).subjects(nats.prefix() + "other.>")
                    .storageType(StorageType.Memory).build());

            List<Instance> instances = TrafficGenerator.defaultInstances(6, 1);
            List<OmniEvent> events = TrafficGenerator.generate(TrafficGenerator.Config.of(1,
                    Instant.parse("2026-02-10T12:00:00Z"), Duration.ofDays(1), 10_000, instances));
            long messages = events.stream().filter(e -> e.subject().startsWith("message.")).count();
            long automation = events.stream().filter(e -> e.subject().startsWith("automation.")).count();
            List<OmniEvent> routed = events.stream()
                    .filter(e -> e.subject().startsWith("message.") || e.subject().startsWith("automation.")
                            || e.subject().startsWith("instance."))
                    .toList();
            assertEquals(10_000, routed.size());

            Publisher publisher = Publisher.on(nats);
            long started = System.nanoTime();
            long[] sequences = publisher.publish(routed);
            double seconds = (System.nanoTime() - started) / 1e9;
            System.out.printf("Publisher: %d events in %.2f s = %.0f/s%n", routed.size(), seconds,
                    routed.size() / seconds);
            assertEquals(10_000, sequences.length);
            assertEquals(messages, nats.messageCount(messageStream));
            assertEquals(automation, nats.messageCount(automationStream));
            // sequences are per stream and increase in publish order
            long lastMessageSeq = 0;
            for (int i = 0; i < routed.size(); i++) {
                if (routed.get(i).subject().startsWith("message.")) {
                    assertEquals(lastMessageSeq + 1, sequences[i]);
                    lastMessageSeq = sequences[i];
                }
            }
            // the stored body is exactly the envelope, without headers
            int first = 0;
            while (!routed.get(first).subject().startsWith("message.")) {
                first++;
            }
            MessageInfo stored = jsm.getMessage(messageStream, sequences[first]);
            assertEquals(nats.prefix() + routed.get(first).subject(), stored.getSubject());
            assertArrayEquals(routed.get(first).toJson(), stored.getData());
            assertNull(stored.getHeaders());

            long last = publisher.publishAll(routed.subList(0, 10).stream()
                    .filter(e -> e.subject().startsWith("message.")).toList());
            assertTrue(last > lastMessageSeq);
            assertEquals(0, publisher.publishAll(List.of()));

            List<PoisonGenerator.Poison> poison = PoisonGenerator.generate(3, 30,
                    (int) Math.min(publisher.maxPayload() - 4096, PoisonGenerator.DEFAULT_HUGE_BYTES));
            List<PoisonGenerator.Poison> routable = poison.stream()
                    .filter(p -> p.subject().startsWith("message.")).toList();
            long before = nats.messageCount(messageStream);
            publisher.publishRaw(routable);
            assertEquals(before + routable.size(), nats.messageCount(messageStream));
            byte[] tooBig = new byte[(int) publisher.maxPayload() + 1];
            assertThrows(IllegalArgumentException.class, () -> publisher.publishRaw("message.received.x.y", tooBig));
        }
        try (ScratchNats other = ScratchNats.connect()) {
            assertFalse(other.streamExists(messageStream));
            assertFalse(other.streamExists(automationStream));
            assertFalse(other.streamExists(foreign));
        }
    }
}
