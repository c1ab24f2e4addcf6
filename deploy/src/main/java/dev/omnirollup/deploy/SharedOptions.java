package dev.omnirollup.deploy;

import dev.omnirollup.api.ApiSettings;
import dev.omnirollup.ingest.IngestSettings;
import dev.omnirollup.store.Config;
import dev.omnirollup.store.Setting;
import dev.omnirollup.store.StoreSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import picocli.CommandLine.Option;

/** The options every subcommand shares: the configuration file and {@code --verbose}. */
final class SharedOptions {
    @Option(names = {"-c", "--config"}, paramLabel = "<file.yaml>",
            description = "YAML file of configuration keys (kebab-case, see 'omni-rollup config --table'). "
                    + "OMNI_ROLLUP_<KEY> environment variables override it.")
    Path configFile;

    @Option(names = "--verbose", description = "Log more, and print stack traces with errors.")
    boolean verbose;

    /** Every setting of every module, in the order the README documents them. */
    static final List<Setting<?>> SETTINGS = Stream.of(StoreSettings.SETTINGS, IngestSettings.SETTINGS,
            ApiSettings.SETTINGS).flatMap(List::stream).toList();

    /** The environment the configuration is read from; tests of the launcher replace it. */
    static volatile Map<String, String> environment = System.getenv();

    /** Reads and validates the configuration. */
    Config load() {
        return Config.load(SETTINGS, Optional.ofNullable(configFile), environment);
    }

    /**
     * How a command that does work begins: logging installed as {@code --verbose} says, then the configuration read,
     * validated and logged in one line under the command's name.
     */
    Config start(String command) {
        Logging.install(verbose);
        Config config = load();
        Startup.logConfiguration(command, config);
        return config;
    }

    /** Something to print where the configuration came from. */
    String describeSources() {
        return configFile == null ? "environment" : configFile + " and environment";
    }
}
