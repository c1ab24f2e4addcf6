package dev.omnirollup.bench;

import dev.omnirollup.sim.ScratchNats;
import io.nats.client.Connection;
import io.nats.client.ConsumeOptions;
import io.nats.client.IterableConsumer;
import io.nats.client.JetStream;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.PublishAck;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * How one durable consumer spreads a backlog over several pulling workers, as {@code omni-rollup ingest} processes
 * share it: each worker pulls with the ingest's batch size and records the stream sequences it got. A worker's batch
 * of contiguous sequences touches few exactly-once pages (1 024 sequences each) and few external ids of the other
 * workers' batches; sequences dealt out one by one make every concurrent batch touch the same pages and the ids of
 * each other's receipts, so their transactions wait for each other. Columns: contiguous runs (all workers), their
 * mean length, and the share of the exactly-once pages that more than one worker touched.
 */
final class PullSpreadBench {
    /** Sequences per page of the exactly-once record ({@code AppliedPages.PAGE_BITS}, not visible here). */
    private static final int PAGE = 1024;

    private PullSpreadBench() {
    }

    static void run(Args args, Report report) throws Exception {
        long messages = args.count("messages", args.smoke() ? "3k" : "60k");
        int batch = (int) args.count("batch", args.smoke() ? "500" : "20000");
        List<Integer> workerCounts = args.ints("workers", args.smoke() ? "2" : "1,2,3");
        Table table = new Table("pull-spread", "How one durable consumer deals a backlog out to pulling workers",
                "workers", "pull batch", "messages", "fewest to one worker", "most to one worker",
                "contiguous runs", "mean run length", "pages shared by workers %");
        try (ScratchNats nats = ScratchNats.connect(BenchServers.natsUrl())) {
            String stream = nats.messageStream();
            publish(nats, messages);
            for (int workers : workerCounts) {
                String durable = "SPREAD_" + workers;
                nats.management().addOrUpdateConsumer(stream, ConsumerConfiguration.builder().durable(durable)
                        .ackPolicy(AckPolicy.Explicit).deliverPolicy(DeliverPolicy.All)
                        .maxAckPending((long) batch * 2 * workers).build());
                List<CompletableFuture<List<Long>>> pulls = new ArrayList<>();
                for (int w = 0; w < workers; w++) {
                    pulls.add(CompletableFuture.supplyAsync(() -> pull(nats.url(), stream, durable, batch, messages)));
                }
                List<List<Long>> got = new ArrayList<>();
                for (CompletableFuture<List<Long>> pull : pulls) {
                    got.add(pull.get());
                }
                long runs = 0;
                long total = 0;
                long fewest = Long.MAX_VALUE;
                long most = 0;
                Map<Long, Integer> workersOfPage = new HashMap<>();
                for (List<Long> sequences : got) {
                    total += sequences.size();
                    fewest = Math.min(fewest, sequences.size());
                    most = Math.max(most, sequences.size());
                    long previous = -2;
                    for (long seq : sequences) {
                        runs += seq == previous + 1 ? 0 : 1;
                        previous = seq;
                    }
                    sequences.stream().map(seq -> seq / PAGE).distinct()
                            .forEach(page -> workersOfPage.merge(page, 1, Integer::sum));
                }
                long shared = workersOfPage.values().stream().filter(n -> n > 1).count();
                table.add(workers, batch, total, fewest, most, runs, runs == 0 ? 0.0 : (double) total / runs,
                        workersOfPage.isEmpty() ? 0.0 : 100.0 * shared / workersOfPage.size());
            }
        }
        table.note("each worker: its own connection, one IterableConsumer (pull batch as the ingest's"
                + " ingest-batch-size), every message acked at once; NATS " + report.machine().nats());
        table.publish(report);
    }

    private static void publish(ScratchNats nats, long messages) throws Exception {
        JetStream js = nats.jetStream();
        List<CompletableFuture<PublishAck>> inFlight = new ArrayList<>();
        for (long i = 0; i < messages; i++) {
            inFlight.add(js.publishAsync(nats.subject("message.received.x"), new byte[64]));
            if (inFlight.size() == 5_000) {
                CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).get();
                inFlight.clear();
            }
        }
        CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).get();
    }

    /** Pulls until the consumer has nothing left for two seconds; returns the sequences in the order received. */
    private static List<Long> pull(String url, String stream, String durable, int batch, long limit) {
        List<Long> sequences = new ArrayList<>();
        try (Connection connection = Nats.connect(url);
             IterableConsumer consumer = connection.getStreamContext(stream).getConsumerContext(durable)
                     .iterate(ConsumeOptions.builder().batchSize(batch).expiresIn(5_000).build())) {
            Message message;
            while (sequences.size() < limit && (message = consumer.nextMessage(Duration.ofSeconds(2))) != null) {
                sequences.add(message.metaData().streamSequence());
                message.ack();
            }
            consumer.stop();
        } catch (Exception e) {
            throw new IllegalStateException("pulling from " + durable + " failed: " + e.getMessage(), e);
        }
        return sequences;
    }
}
