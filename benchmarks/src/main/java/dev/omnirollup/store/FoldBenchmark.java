package dev.omnirollup.store;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The pure fold of one ingest batch (2 000 decoded message events, messages-only mix) into counter deltas
 * ({@link MessageFold#fold}: per-external-id state, contribution recompute, {@link Deltas} of every grain and
 * scope), and the encoding of the external-id states a batch stores. Scores are events per second.
 *
 * <p>{@code foldReusedIds} folds the batch into states whose ids already carry {@code reuse} earlier events each, as
 * happens when external ids are not unique (Telegram message ids are counters): it shows how the cost per event
 * grows with the facts an id has collected.
 *
 * <p>Run: {@code benchmarks/run jmh --jmh FoldBenchmark}; directly:
 * {@code java -cp "benchmarks/target/classes:benchmarks/target/libs/*" org.openjdk.jmh.Main FoldBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class FoldBenchmark {
    static final int BATCH = 2_000;

    private List<Decoded.MessageEvent> events;
    private Map<String, ExternalIdState> states;
    private long minuteFloor;

    /** States whose ids have been used {@code reuse} times before. */
    @State(Scope.Benchmark)
    public static class Reused {
        @Param({"1", "16", "128"})
        public int reuse;

        Map<String, ExternalIdState> states;
        List<ExternalIdState> stored;
        List<Decoded.MessageEvent> events;
        long minuteFloor;

        @Setup
        public void setUp() {
            List<Decoded.MessageEvent> batch = BenchTraffic.messageEvents(BATCH, 7);
            minuteFloor = Grain.MINUTE.bucketOf(BenchTraffic.END.getEpochSecond() - 9 * 86_400);
            Map<String, ExternalIdState> current = Map.of();
            for (int r = 0; r < reuse; r++) {
                current = new HashMap<>(MessageFold.fold(shifted(batch, (long) r * BATCH), current, Map.of(),
                        minuteFloor).states());
            }
            states = current;
            stored = List.copyOf(MessageFold.spill(current).states().values());
            events = shifted(batch, (long) reuse * BATCH);
        }

        private static List<Decoded.MessageEvent> shifted(List<Decoded.MessageEvent> batch, long offset) {
            List<Decoded.MessageEvent> out = new ArrayList<>(batch.size());
            for (Decoded.MessageEvent e : batch) {
                out.add(new Decoded.MessageEvent(e.streamSeq() + offset, e.kind(), e.eventId(), e.epochMs(),
                        e.instanceId(), e.channel(), e.contentType(), e.errorStage(), e.externalId()));
            }
            return out;
        }
    }

    @Setup
    public void setUp() {
        events = BenchTraffic.messageEvents(BATCH, 7);
        minuteFloor = Grain.MINUTE.bucketOf(BenchTraffic.END.getEpochSecond() - 9 * 86_400);
        // the same batch's states, as the index would hold them when a second batch touches the same ids
        states = new HashMap<>(MessageFold.fold(events, Map.of(), Map.of(), minuteFloor).states());
    }

    /** A batch of new external ids (the common case): fold into deltas. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public Object foldNewIds() {
        return MessageFold.fold(events, Map.of(), Map.of(), minuteFloor);
    }

    /** A batch whose external ids all have stored state already (receipts for earlier sends). */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public Object foldKnownIds() {
        return MessageFold.fold(events, states, Map.of(), minuteFloor);
    }

    /** A batch whose ids each carry {@code reuse} earlier events (ids that are not unique). */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public Object foldReusedIds(Reused reused) {
        return MessageFold.fold(reused.events, reused.states, Map.of(), reused.minuteFloor);
    }

    /** Encoding the states a batch writes to the external-id index, and decoding them back. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void encodeDecodeStates(Blackhole blackhole) {
        for (ExternalIdState state : states.values()) {
            blackhole.consume(ExternalIdStateCodec.decode(ExternalIdStateCodec.encode(state)));
        }
    }

    /**
     * The same for states whose ids carry {@code reuse} earlier events (rows kept for a later delivered, up to the
     * index's {@link MessageFold#KEPT_PENDING}); scores are batches per second (the states of the {@code BATCH}
     * events' ids).
     */
    @Benchmark
    public void encodeDecodeReusedStates(Reused reused, Blackhole blackhole) {
        for (ExternalIdState state : reused.stored) {
            blackhole.consume(ExternalIdStateCodec.decode(ExternalIdStateCodec.encode(state)));
        }
    }
}
