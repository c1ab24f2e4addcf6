package dev.omnirollup.deploy;

import dev.omnirollup.store.Config;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;

/** The options every subcommand shares: the configuration file and {@code --verbose}. */
final class Common {
    @Option(names = {"-c", "--config"}, paramLabel = "<file.yaml>",
            description = "YAML file of configuration keys (kebab-case, see 'omni-rollup config --table'). "
                    + "OMNI_ROLLUP_<KEY> environment variables override it.")
    Path configFile;

    @Option(names = "--verbose", description = "Log more, and print stack traces with errors.")
    boolean verbose;

    /** The environment the configuration is read from; tests of the launcher replace it. */
    static volatile Map<String, String> environment = System.getenv();

    /** Reads and validates the configuration. */
    Config load() {
        return Config.load(Optional.ofNullable(configFile), environment);
    }

    /** Something to print where the configuration came from. */
    String describeSources() {
        return configFile == null ? "environment" : configFile + " and environment";
    }
}
