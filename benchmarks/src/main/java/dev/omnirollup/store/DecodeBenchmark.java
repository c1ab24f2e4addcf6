package dev.omnirollup.store;

import dev.omnirollup.sim.TrafficGenerator;
import java.util.List;
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
 * Decoding Omni envelopes ({@link EventDecoder#decode}, JSON parse plus upstream's persistence rules), per message,
 * over 2 000 realistic messages of each mix (the default mix includes bare, replayed and automation events).
 *
 * <p>Run: {@code benchmarks/run jmh --jmh DecodeBenchmark} (or everything: {@code benchmarks/run jmh}); directly:
 * {@code java -cp "benchmarks/target/classes:benchmarks/target/libs/*" org.openjdk.jmh.Main DecodeBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class DecodeBenchmark {
    static final int BATCH = 2_000;

    @Param({"messages", "default"})
    public String mix;

    private List<InboundMessage> messages;
    private EventDecoder decoder;

    @Setup
    public void setUp() {
        messages = BenchTraffic.inbound(BATCH, mix.equals("messages") ? TrafficGenerator.Mix.messagesOnly()
                : TrafficGenerator.Mix.defaults(), 42);
        decoder = new EventDecoder(1 << 20);
    }

    /** Messages decoded per second. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void decode(Blackhole blackhole) {
        for (InboundMessage message : messages) {
            blackhole.consume(decoder.decode(message));
        }
    }
}
