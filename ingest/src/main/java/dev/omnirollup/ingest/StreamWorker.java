package dev.omnirollup.ingest;

import dev.omnirollup.store.ApplyPhases;
import dev.omnirollup.store.BatchApplier.Disposition;
import dev.omnirollup.store.BatchApplier;
import dev.omnirollup.store.Decoded;
import dev.omnirollup.store.InboundMessage;
import dev.omnirollup.store.Metrics;
import dev.omnirollup.store.Partitioning;
import dev.omnirollup.store.StoreException;
import dev.omnirollup.store.StreamRef;
import io.nats.client.Connection;
import io.nats.client.ConsumeOptions;
import io.nats.client.ConsumerContext;
import io.nats.client.IterableConsumer;
import io.nats.client.JetStreamApiException;
import io.nats.client.Message;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.SequenceInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.IntPredicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Consumes one partition of a stream through its durable consumer, while this process holds the partition, in two
 * stages: a collector thread fetches a batch of the partition's messages (by count and time), decoding each as it
 * arrives and acknowledging at once those of other partitions, while the worker thread applies the previous batch in
 * one transaction and then acks it (or terminates poison) — one batch waits between them at most. Stopping finishes
 * the batches in hand. Transient database failures are retried with backoff while the messages are kept in
 * progress; a batch that fails for another reason is split until the message at fault is found and set aside, so
 * nothing blocks the stream.
 *
 * <p>A batch in hand keeps of each message only what acknowledging and applying it need: the reply subject the
 * server reads acknowledgements on, the stream sequence, the subject and what it decoded to. The bodies (and the
 * client's message objects) are let go as soon as a message is decoded — up to two batches of 20 000 messages wait
 * for a commit, and holding their bodies made the collector's young collections copy most of the heap (finding I11
 * in docs/benchmarks.md). A body is kept only when decoding rejected it (the reject row stores it); the rare message
 * set aside for another reason is read back from the stream by its sequence.
 */
final class StreamWorker implements Runnable {
    private static final System.Logger LOG = System.getLogger(StreamWorker.class.getName());
    private static final Duration POLL = Duration.ofMillis(500);
    private static final double[] SECONDS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    private static final double[] SIZES = {1, 10, 50, 100, 250, 500, 1000, 2000, 5000, 10000, 50000};
    /** JetStream's acknowledgement bodies, published to a message's reply subject (what the client's ack() sends). */
    private static final byte[] ACK = "+ACK".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TERM = "+TERM".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] IN_PROGRESS = "+WPI".getBytes(StandardCharsets.US_ASCII);
    /** JetStream's API error code for a sequence the stream does not hold. */
    private static final int NO_MESSAGE = 10037;
    private static final byte[] NO_BODY = new byte[0];

    private final String streamName;
    private final Partitioning partition;
    private final Connection nats;
    private final Supplier<ConsumerContext> consumer;
    private final Supplier<StreamRef> stream;
    private final BatchApplier applier;
    private final String subjectPrefix;
    private final int batchSize;
    private final Duration batchWait;
    private final BooleanSupplier active;
    /** Whether the consumer acknowledges cumulatively (its ack policy is AckAll), and what it filters. */
    private final BooleanSupplier ackAll;
    private final String filter;
    /**
     * Recreates the consumer when it holds messages it can no longer let go ({@link CumulativeAcks#stranded}).
     * Called on the applier thread between batches, so that none of its acks crosses the change.
     */
    private final Runnable recreateIfStranded;
    /** Where a cumulative ack may go, for the stream and consumer it was started on (applier thread only). */
    private CumulativeAcks cumulative = new CumulativeAcks();
    private StreamRef cumulativeFor;
    private ConsumerContext cumulativeSource;
    private final CrashHook crashHook;
    private final Metrics.Histogram batchSizes;
    private final Metrics.Histogram commitSeconds;
    private final Metrics.Counter retries;
    private final Metrics metrics;
    private final BlockingQueue<Ready> handOff = new ArrayBlockingQueue<>(1);
    private volatile boolean stopping;
    private volatile boolean collectorDone;
    private volatile long lastProgressMs = System.currentTimeMillis();
    /** Where the two threads' time went while consuming (each written by one thread). */
    private volatile long applyingNanos;
    private volatile long awaitingFetchNanos;
    private volatile long awaitingApplyNanos;
    private volatile long batches;
    /** Where the applying time of the batches committed went (applier thread only). */
    private volatile ApplyPhases phases = ApplyPhases.NONE;
    /** Batches handed over and not yet applied and acked. */
    private final AtomicInteger inHand = new AtomicInteger();
    /** Whether the collector stands by (or has stopped), with nothing fetched that it has not handed over. */
    private volatile boolean collectorIdle = true;

    /**
     * A fetched batch, decoded: the messages' reply subjects, in the order of the prepared batch, and the consumer
     * that delivered them.
     */
    private record Ready(List<String> replies, BatchApplier.Prepared prepared, ConsumerContext source) {
    }

    StreamWorker(String streamName, Partitioning partition, Connection nats, Supplier<ConsumerContext> consumer,
                 Supplier<StreamRef> stream, BatchApplier applier, String subjectPrefix, int batchSize,
                 Duration batchWait, BooleanSupplier active, BooleanSupplier ackAll, String filter,
                 Runnable recreateIfStranded, CrashHook crashHook, Metrics metrics) {
        this.streamName = streamName;
        this.partition = partition;
        this.nats = nats;
        this.consumer = consumer;
        this.stream = stream;
        this.applier = applier;
        this.subjectPrefix = subjectPrefix;
        this.batchSize = batchSize;
        this.batchWait = batchWait;
        this.active = active;
        this.ackAll = ackAll;
        this.filter = filter;
        this.recreateIfStranded = recreateIfStranded;
        this.crashHook = crashHook;
        this.metrics = metrics;
        this.batchSizes = metrics.histogram("omni_rollup_ingest_batch_size", "Messages per applied batch.", SIZES,
                "stream", streamName);
        this.commitSeconds = metrics.histogram("omni_rollup_ingest_commit_seconds",
                "Time to apply and commit one batch.", SECONDS, "stream", streamName);
        this.retries = metrics.counter("omni_rollup_ingest_retries_total", "Batches retried after a failure.",
                "stream", streamName);
        String help = "Time the worker of a partition spent applying batches, waiting for NATS to deliver the next"
                + " one (fetch-bound), and holding a batch whose wait was over while the applier was busy"
                + " (database-bound).";
        String index = Integer.toString(partition.index());
        metrics.gauge("omni_rollup_ingest_time_seconds", help, () -> applyingNanos / 1e9, "stream", streamName,
                "partition", index, "activity", "applying");
        metrics.gauge("omni_rollup_ingest_time_seconds", help, () -> awaitingFetchNanos / 1e9, "stream", streamName,
                "partition", index, "activity", "waiting_for_nats");
        metrics.gauge("omni_rollup_ingest_time_seconds", help, () -> awaitingApplyNanos / 1e9, "stream", streamName,
                "partition", index, "activity", "waiting_for_applier");
        String phaseHelp = "Of the time applying the batches committed, the time in each phase of their transactions ("
                + Arrays.stream(ApplyPhases.Phase.values()).map(ApplyPhases.Phase::label)
                        .collect(Collectors.joining(", ")) + "; index_read: the external-id index's rows locked and read).";
        for (ApplyPhases.Phase phase : ApplyPhases.Phase.values()) {
            metrics.gauge("omni_rollup_ingest_apply_seconds", phaseHelp, () -> phases.nanos(phase) / 1e9, "stream",
                    streamName, "partition", index, "phase", phase.label());
        }
    }

    void stop() {
        stopping = true;
    }

    /** Where the worker's time went, for its last log line. */
    String summary() {
        return String.format(Locale.ROOT, "stream %s partition %d of %d: %d batches; applying %.1f s, waiting"
                        + " for NATS %.1f s, fetched and waiting for the applier %.1f s; applying, by phase: %s",
                streamName, partition.index(), partition.count(), batches, applyingNanos / 1e9,
                awaitingFetchNanos / 1e9, awaitingApplyNanos / 1e9, phases);
    }

    /** Wall-clock millis of the last time this worker applied a batch or found nothing to do. */
    long lastProgressMs() {
        return lastProgressMs;
    }

    /** The worker thread: applies what the collector hands over until the collector is done and nothing is left. */
    @Override
    public void run() {
        // "fetch-" first: the kernel keeps 15 characters of a thread's name, and the benchmark tells the collector
        // from the applier ("apply-", IngestDaemon) by them in /proc
        Thread collector = new Thread(this::collectLoop, "fetch-" + streamName
                + (partition.count() == 1 ? "" : "-p" + partition.index()));
        collector.setDaemon(true);
        collector.start();
        try {
            long waiting = 0; // for the next batch, since the last one (the wait after the last batch is idleness)
            while (!(collectorDone && handOff.isEmpty())) {
                long waited = System.nanoTime();
                Ready ready = handOff.poll(200, TimeUnit.MILLISECONDS);
                long started = System.nanoTime();
                waiting = active.getAsBoolean() && batches > 0 ? waiting + started - waited : 0;
                if (ready != null) {
                    awaitingFetchNanos += waiting;
                    waiting = 0;
                    try {
                        applyAndAck(ready.replies(), ready.prepared(), ready.source());
                    } finally {
                        inHand.decrementAndGet();
                    }
                    applyingNanos += System.nanoTime() - started;
                    batches++;
                }
            }
            if (batches > 0) {
                LOG.log(System.Logger.Level.INFO, summary());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            stopping = true;
            collector.interrupt();
        }
    }

    /**
     * The collector thread: fetch, decode, hand over while this process is the active one; on stop, or when it
     * stands by, hands over what the client had pulled already.
     */
    private void collectLoop() {
        Backoff backoff = new Backoff();
        try {
            while (!stopping) {
                if (!active.getAsBoolean()) {
                    if (!standBy()) {
                        return;
                    }
                    continue;
                }
                collectorIdle = false;
                ConsumerContext source = consumer.get(); // until the consumer is recreated
                try (IterableConsumer messages = source.iterate(ConsumeOptions.builder()
                        .batchSize(Math.max(batchSize, 100))
                        .expiresIn(5_000)
                        .build())) {
                    backoff.reset();
                    while (!stopping && active.getAsBoolean() && consumer.get() == source) {
                        Collecting batch = collect(messages);
                        lastProgressMs = System.currentTimeMillis();
                        handOver(batch, source);
                    }
                    messages.stop();
                    handOver(drain(messages), source);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (Exception e) {
                    if (stopping) {
                        return;
                    }
                    LOG.log(System.Logger.Level.WARNING, "stream " + streamName + ": consuming failed ("
                            + e.getClass().getSimpleName() + ": " + e.getMessage() + "), retrying in "
                            + backoff.peek().toMillis() + " ms");
                    if (!backoff.sleep()) {
                        return;
                    }
                }
            }
        } finally {
            collectorIdle = true; // what it had fetched was handed over, or goes back to NATS unacknowledged
            collectorDone = true;
        }
    }

    /**
     * Whether this worker holds no message it has not applied and acked: its collector stands by and every batch it
     * handed over is done.
     */
    boolean drained() {
        return collectorIdle && inHand.get() == 0;
    }

    /** Waits a poll while another process consumes; false when interrupted. Standing by is not a stall. */
    private boolean standBy() {
        collectorIdle = true;
        lastProgressMs = System.currentTimeMillis();
        try {
            Thread.sleep(POLL.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void handOver(Collecting batch, ConsumerContext source) throws InterruptedException {
        if (batch.elsewhere > 0) {
            metrics.counter("omni_rollup_ingest_messages_total", "Messages handled, by outcome.", "stream",
                    streamName, "outcome", "elsewhere").add(batch.elsewhere);
        }
        if (!batch.replies.isEmpty()) {
            long start = System.nanoTime();
            inHand.incrementAndGet();
            handOff.put(new Ready(batch.replies, applier.prepared(batch.inbound, batch.decoded), source));
            awaitingApplyNanos += System.nanoTime() - start;
        }
    }

    /**
     * Collects up to a batch of this partition's messages: waits a poll for the first message, then the batch wait
     * for the rest — unless the applier has a batch in hand (applying it, or one waiting): then it goes on
     * collecting, since this one could not be applied sooner anyway. Handing over whatever had arrived when the
     * applier took the batch before made every other batch a sliver under a backlog (the ack limit lets the next
     * fetch start only once a batch is acknowledged), and every batch rewrites the rollup rows of every instance it
     * touches (finding I12 in docs/benchmarks.md).
     */
    private Collecting collect(IterableConsumer messages) throws Exception {
        Collecting batch = new Collecting();
        long deadline = 0;
        long heldSince = 0; // when the batch could have gone but the applier was busy
        while (batch.replies.size() < batchSize) {
            long waitMs = deadline == 0 ? POLL.toMillis() : (deadline - System.nanoTime()) / 1_000_000;
            if (deadline != 0 && waitMs <= 0) {
                if (handOverNow()) {
                    break;
                }
                heldSince = heldSince == 0 ? System.nanoTime() : heldSince;
                waitMs = batchWait.toMillis();
            }
            Message next = messages.nextMessage(Math.max(1, waitMs));
            if (next == null) {
                if (deadline == 0) {
                    break; // nothing this poll
                }
                continue; // the batch wait is over: whether it goes is decided above
            }
            if (deadline == 0) {
                deadline = System.nanoTime() + batchWait.toNanos();
            }
            batch.offer(next);
        }
        if (heldSince != 0) {
            awaitingApplyNanos += System.nanoTime() - heldSince;
        }
        return batch;
    }

    /** Whether a batch begun should go now: the applier has nothing in hand, or this worker stops or stands by. */
    private boolean handOverNow() {
        return inHand.get() == 0 || stopping || !active.getAsBoolean();
    }

    private Collecting drain(IterableConsumer messages) throws Exception {
        Collecting rest = new Collecting();
        Message next;
        while ((next = messages.nextMessage(50)) != null) {
            rest.offer(next);
        }
        return rest;
    }

    /**
     * A batch being collected: this partition's messages, decoded as they arrive (decoding is pure); the messages of
     * other partitions are acknowledged at once, since they change nothing here — so a partition's batch is a full
     * batch of its own messages, and its round trips to the database are as few as an unpartitioned worker's.
     */
    private final class Collecting {
        final List<String> replies = new ArrayList<>();
        final List<InboundMessage> inbound = new ArrayList<>();
        final List<Decoded> decoded = new ArrayList<>();
        long elsewhere;

        void offer(Message message) {
            InboundMessage in = inbound(message);
            Decoded event = applier.decode(in);
            if (partition.owns(event)) {
                replies.add(message.getReplyTo());
                inbound.add(event instanceof Decoded.Rejected ? in
                        : new InboundMessage(in.subject(), NO_BODY, in.streamSeq()));
                decoded.add(event);
            } else {
                message.ack();
                elsewhere++;
            }
        }
    }

    private void applyAndAck(List<String> replies, BatchApplier.Prepared prepared, ConsumerContext source)
            throws InterruptedException {
        Backoff backoff = new Backoff();
        while (true) {
            long start = System.nanoTime();
            try {
                BatchApplier.Outcome outcome = applier.apply(stream.get(), partition, prepared);
                commitSeconds.observe((System.nanoTime() - start) / 1e9);
                phases = phases.plus(outcome.phases());
                batchSizes.observe(replies.size());
                crashHook.afterCommit();
                acknowledge(prepared.batch(), replies, i -> outcome.dispositions().get(i) == Disposition.REJECTED,
                        source);
                for (Disposition disposition : Disposition.values()) {
                    long handled = outcome.count(disposition);
                    if (handled > 0) {
                        metrics.counter("omni_rollup_ingest_messages_total", "Messages handled, by outcome.",
                                "stream", streamName, "outcome", disposition.name().toLowerCase(Locale.ROOT))
                                .add(handled);
                    }
                }
                lastProgressMs = System.currentTimeMillis();
                return;
            } catch (StoreException e) {
                if (!e.isTransient()) {
                    isolate(replies, prepared, e, source);
                    return;
                }
                retries.inc();
                LOG.log(System.Logger.Level.WARNING, "stream " + streamName + ": applying " + replies.size()
                        + " messages failed (" + e.getMessage() + "), retrying in " + backoff.peek().toMillis() + " ms");
                replies.forEach(reply -> reply(reply, IN_PROGRESS));
                if (!backoff.sleep()) {
                    throw new InterruptedException("stopped while retrying");
                }
            } catch (RuntimeException e) {
                isolate(replies, prepared, e, source);
                return;
            }
        }
    }

    /** Splits a batch that fails for a lasting reason until the message at fault is found and set aside. */
    private void isolate(List<String> replies, BatchApplier.Prepared prepared, RuntimeException cause,
                         ConsumerContext source) throws InterruptedException {
        retries.inc();
        if (replies.size() > 1) {
            int half = replies.size() / 2;
            applyAndAck(replies.subList(0, half), part(prepared, 0, half), source);
            applyAndAck(replies.subList(half, replies.size()), part(prepared, half, replies.size()), source);
            return;
        }
        InboundMessage message = withBody(prepared.batch().get(0), prepared.decoded().get(0));
        String reason = "could not be applied: " + cause.getClass().getSimpleName() + ": " + cause.getMessage();
        LOG.log(System.Logger.Level.WARNING, "stream " + streamName + ": setting aside message "
                + message.streamSeq() + ", " + reason);
        Backoff backoff = new Backoff();
        while (true) {
            try {
                applier.quarantine(stream.get(), partition, message, reason);
                acknowledge(List.of(message), replies, i -> true, source);
                metrics.counter("omni_rollup_ingest_messages_total", "Messages handled, by outcome.",
                        "stream", streamName, "outcome", "rejected").inc();
                return;
            } catch (StoreException e) {
                if (!backoff.sleep()) {
                    throw new InterruptedException("stopped while setting a message aside");
                }
            }
        }
    }

    /**
     * Acknowledges committed messages: cumulatively on an AckAll consumer (the rejected ones are set aside in the
     * commit: done too), else each, the rejected ones terminated. Not those a consumer since recreated delivered: their
     * acks would reach the new one (a reply subject names the consumer) with the old one's sequences; the new one
     * delivers them again, and the exactly-once record finds them applied.
     */
    private void acknowledge(List<InboundMessage> batch, List<String> replies, IntPredicate rejected,
                             ConsumerContext source) {
        if (source != consumer.get()) {
            return;
        }
        if (ackAll.getAsBoolean()) {
            acknowledgeCumulatively(batch, replies, source);
            return;
        }
        for (int i = 0; i < replies.size(); i++) {
            reply(replies.get(i), rejected.test(i) ? TERM : ACK);
        }
    }

    /**
     * Records committed messages and sends the one cumulative ack they allow, if any ({@link CumulativeAcks}). When
     * the server or the database cannot be asked, the ack waits for the next commit (or NATS redelivers after the
     * ack wait, and the exactly-once record skips what was applied). Messages delivered again at or below the ack
     * floor have the consumer checked for messages it can no longer let go, and recreated if it holds some.
     */
    private void acknowledgeCumulatively(List<InboundMessage> batch, List<String> replies, ConsumerContext source) {
        StreamRef ref = stream.get();
        if (!ref.equals(cumulativeFor) || source != cumulativeSource) { // a recreated stream or consumer numbers afresh
            cumulative = new CumulativeAcks();
            cumulativeFor = ref;
            cumulativeSource = source;
        }
        long[] sequences = new long[batch.size()];
        for (int i = 0; i < sequences.length; i++) {
            sequences[i] = batch.get(i).streamSeq();
        }
        boolean again = cumulative.committed(sequences, replies.toArray(String[]::new));
        try {
            String reply = cumulative.ackPoint(new ConsumerLookup(ref));
            if (reply != null) {
                reply(reply, ACK);
            }
        } catch (StoreException | IllegalStateException e) {
            LOG.log(System.Logger.Level.WARNING, "stream " + streamName + ": " + cumulative.waiting()
                    + " committed messages wait for their acknowledgement (" + e.getMessage() + ")");
        }
        if (again) {
            recreateIfStranded.run(); // its acks went before: the server takes them before the deletion
        }
    }

    /** What a cumulative ack needs to know that this worker did not see: asked of NATS and of the database. */
    private final class ConsumerLookup implements CumulativeAcks.Lookup {
        private final StreamRef ref;

        ConsumerLookup(StreamRef ref) {
            this.ref = ref;
        }

        @Override
        public CumulativeAcks.Floor serverFloor() {
            try {
                SequenceInfo floor = consumer.get().getConsumerInfo().getAckFloor();
                return new CumulativeAcks.Floor(floor.getStreamSequence(), floor.getConsumerSequence());
            } catch (IOException | JetStreamApiException e) {
                throw new IllegalStateException("the consumer's ack floor could not be read: " + e.getMessage(), e);
            }
        }

        @Override
        public BitSet applied(long from, long to) {
            return applier.applied(ref, from, to);
        }

        @Override
        public long nextPending(long seq) {
            try { // the server matches the consumer's filter
                return nats.jetStreamManagement().getNextMessage(streamName, seq, filter).getSeq();
            } catch (JetStreamApiException e) {
                if (e.getApiErrorCode() == NO_MESSAGE || e.getErrorCode() == 404) {
                    return Long.MAX_VALUE; // none from there on
                }
                throw new IllegalStateException("the stream could not be read from " + seq + ": " + e.getMessage(), e);
            } catch (IOException e) {
                throw new IllegalStateException("the stream could not be read from " + seq + ": " + e.getMessage(), e);
            }
        }
    }

    /** Messages {@code from} to {@code to} of a prepared batch (decoding is pure: what they decoded to stands). */
    private BatchApplier.Prepared part(BatchApplier.Prepared prepared, int from, int to) {
        return applier.prepared(prepared.batch().subList(from, to), prepared.decoded().subList(from, to));
    }

    /**
     * The message with its body: kept in hand when decoding rejected it, otherwise read back from the stream by its
     * sequence (an empty body when the stream no longer holds it: the reject row then says so in its size, 0).
     */
    private InboundMessage withBody(InboundMessage message, Decoded decoded) {
        if (decoded instanceof Decoded.Rejected) {
            return message;
        }
        try {
            MessageInfo stored = nats.jetStreamManagement().getMessage(streamName, message.streamSeq());
            byte[] body = stored.getData() == null ? NO_BODY : stored.getData();
            return new InboundMessage(message.subject(), body, message.streamSeq());
        } catch (IOException | JetStreamApiException e) {
            LOG.log(System.Logger.Level.WARNING, "stream " + streamName + ": message " + message.streamSeq()
                    + " could not be read back to set it aside with its body (" + e.getMessage() + ")");
            return message;
        }
    }

    /** Publishes an acknowledgement to a message's reply subject (buffered, as the client's own acks are). */
    private void reply(String replyTo, byte[] ack) {
        nats.publish(replyTo, ack);
    }

    private InboundMessage inbound(Message message) {
        String subject = message.getSubject();
        if (!subjectPrefix.isEmpty() && subject.startsWith(subjectPrefix)) {
            subject = subject.substring(subjectPrefix.length());
        }
        byte[] body = message.getData() == null ? new byte[0] : message.getData();
        return new InboundMessage(subject, body, message.metaData().streamSequence());
    }

    /** Exponential backoff from 100 ms to 5 s, interrupted by {@link #stop()}. */
    private final class Backoff {
        private long millis = 100;

        Duration peek() {
            return Duration.ofMillis(millis);
        }

        void reset() {
            millis = 100;
        }

        /** Sleeps; false when the worker is stopping or interrupted. */
        boolean sleep() {
            long until = System.currentTimeMillis() + millis;
            millis = Math.min(5_000, millis * 2);
            try {
                while (System.currentTimeMillis() < until) {
                    if (stopping) {
                        return false;
                    }
                    Thread.sleep(Math.min(50, Math.max(1, until - System.currentTimeMillis())));
                }
                return true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }
}
