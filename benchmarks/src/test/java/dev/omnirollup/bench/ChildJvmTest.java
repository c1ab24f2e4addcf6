package dev.omnirollup.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChildJvmTest {
    /** The benchmark's ingest workers run with the JVM options the systemd unit deploys an ingest with. */
    @Test
    void ingestWorkersRunWithTheDeployedJvmOptions() throws IOException {
        String prefix = "Environment=\"JAVA_OPTS=";
        String line = Files.readAllLines(Path.of("..", "deploy", "systemd", "omni-rollup-ingest.service")).stream()
                .filter(l -> l.startsWith(prefix)).findFirst().orElseThrow();
        List<String> deployed = List.of(line.substring(prefix.length(), line.length() - 1).split(" "));
        List<String> benchmarked = new ArrayList<>();
        benchmarked.add("-Xmx" + ChildJvm.HEAP);
        benchmarked.add(ChildJvm.INGEST_GC);
        benchmarked.addAll(ChildJvm.INGEST_INLINING);
        assertEquals(deployed, benchmarked);
    }
}
