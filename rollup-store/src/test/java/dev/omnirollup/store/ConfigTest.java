package dev.omnirollup.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigTest {
    /** Settings another module would declare, beside the store's. */
    private static final Setting<Integer> HTTP_PORT = new Setting<>("http-port", "8882", Setting.intIn(0, 65535),
            "Port.");
    private static final Setting<Integer> BATCH_SIZE = new Setting<>("ingest-batch-size", "2000",
            Setting.intIn(1, 50_000), "Batch.");
    private static final Setting<Duration> BATCH_WAIT = new Setting<>("ingest-batch-wait", "50ms",
            Setting.durationIn(Duration.ofMillis(1), Duration.ofSeconds(30)), "Wait.");
    private static final List<Setting<?>> SETTINGS = Stream.concat(StoreSettings.SETTINGS.stream(),
            Stream.of(HTTP_PORT, BATCH_SIZE, BATCH_WAIT)).toList();

    @TempDir
    Path dir;

    @Test
    void defaultsFileThenEnvironment() throws IOException {
        Path yaml = dir.resolve("omni-rollup.yaml");
        Files.writeString(yaml, "http-port: 9000\ningest:\n  batch-size: 500\ndatabase-url: postgres://u:p%40ss@db:5433/omni\n");
        Config config = Config.load(SETTINGS, Optional.of(yaml), Map.of("OMNI_ROLLUP_HTTP_PORT", "9100", "PATH", "/bin"));
        assertEquals(9100, config.get(HTTP_PORT));
        assertEquals("OMNI_ROLLUP_HTTP_PORT", config.sourceOf(HTTP_PORT));
        assertEquals(500, config.get(BATCH_SIZE));
        assertEquals(Optional.of("jdbc:postgresql://db:5433/omni?user=u&password=p%40ss"), config.get(StoreSettings.DATABASE_URL));
        assertEquals(Duration.ofDays(35), config.get(StoreSettings.INDEX_HORIZON));
        assertEquals("nats://127.0.0.1:4222", config.get(StoreSettings.NATS_URL));
    }

    @Test
    void errorsNameTheKeyTheSourceAndTheFix() throws IOException {
        Path yaml = dir.resolve("bad.yaml");
        Files.writeString(yaml, "http-prot: 9000\n");
        Config.ConfigException unknown = assertThrows(Config.ConfigException.class,
                () -> Config.load(SETTINGS, Optional.of(yaml), Map.of()));
        assertTrue(unknown.getMessage().contains("'http-prot'") && unknown.getMessage().contains("did you mean 'http-port'"),
                unknown.getMessage());
        Config.ConfigException badValue = assertThrows(Config.ConfigException.class,
                () -> Config.load(SETTINGS, Optional.empty(), Map.of("OMNI_ROLLUP_INGEST_BATCH_WAIT", "soon")));
        assertTrue(badValue.getMessage().startsWith("ingest-batch-wait (from OMNI_ROLLUP_INGEST_BATCH_WAIT)"),
                badValue.getMessage());
        Config.ConfigException badUrl = assertThrows(Config.ConfigException.class,
                () -> Config.load(SETTINGS, Optional.empty(), Map.of("OMNI_ROLLUP_DATABASE_URL", "mysql://x/y")));
        assertTrue(badUrl.getMessage().contains("not a postgres://"), badUrl.getMessage());
        assertThrows(Config.ConfigException.class, () -> Config.load(SETTINGS, Optional.empty(), Map.of("OMNI_ROLLUP_NOPE", "1")));
        Config.ConfigException retired = assertThrows(Config.ConfigException.class,
                () -> Config.load(SETTINGS, Optional.empty(), Map.of("OMNI_ROLLUP_INGEST_MAX_CLOCK_SKEW", "24h")));
        assertTrue(retired.getMessage().contains("removed") && retired.getMessage().contains("delete the setting"),
                retired.getMessage());
        assertThrows(Config.ConfigException.class,
                () -> Config.load(SETTINGS, Optional.empty(), Map.of("OMNI_ROLLUP_INDEX_HORIZON", "7d")));
    }

    @Test
    void aConfigurationAnswersOnlyForTheSettingsItWasLoadedWith() {
        Config store = Config.defaults(StoreSettings.SETTINGS);
        assertEquals("rollup", store.get(StoreSettings.ROLLUP_SCHEMA));
        assertThrows(IllegalArgumentException.class, () -> store.get(HTTP_PORT));
        assertThrows(Config.ConfigException.class, () -> Config.load(StoreSettings.SETTINGS, Optional.empty(),
                Map.of("OMNI_ROLLUP_HTTP_PORT", "1")), "a key no module declared");
        assertEquals(StoreSettings.defaults(), StoreSettings.from(Config.defaults(SETTINGS)));
        assertEquals(Duration.ofSeconds(2), Config.defaults(SETTINGS).with(Map.of("ingest-batch-wait", "2s"))
                .get(BATCH_WAIT));
    }

    @Test
    void databaseUrlsAreRedacted() {
        assertEquals("jdbc:postgresql://h/db?user=u&password=***",
                DatabaseUrl.redact("jdbc:postgresql://h/db?user=u&password=secret"));
        assertEquals("postgres://u:***@h/db", DatabaseUrl.redact("postgres://u:secret@h/db"));
    }
}
