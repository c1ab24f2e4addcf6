package dev.omnirollup.deploy;

import dev.omnirollup.api.ApiSettings;
import dev.omnirollup.store.Config;
import dev.omnirollup.store.DatabaseUrl;
import dev.omnirollup.store.Setting;
import dev.omnirollup.store.StoreSettings;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code omni-rollup config}: validates and prints the configuration in force, or the README's table. */
@Command(name = "config", mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false,
        description = {"Validate the configuration (--config file and OMNI_ROLLUP_* variables) and print every key "
                + "with its value and where it came from. Passwords and the API key are hidden.",
            "With --table: print the table of every key, its environment variable, default and meaning."})
final class ConfigCommand implements Callable<Integer>, UsesSharedOptions {
    @Mixin
    SharedOptions sharedOptions;

    @Option(names = "--table", description = "Print the configuration table instead: Markdown between the markers "
            + "the README's copy is checked against.")
    boolean table;

    @Override
    public SharedOptions sharedOptions() {
        return sharedOptions;
    }

    @Override
    public Integer call() {
        if (table) {
            System.out.print(ConfigTable.block());
            return 0;
        }
        Config config = sharedOptions.load();
        int width = SharedOptions.SETTINGS.stream().mapToInt(k -> k.name().length()).max().orElse(10);
        for (Setting<?> key : SharedOptions.SETTINGS) {
            System.out.printf(Locale.ROOT, "%-" + width + "s  %-40s  %s%n", key.name(), shown(key, config),
                    config.sourceOf(key));
        }
        return 0;
    }

    private static String shown(Setting<?> key, Config config) {
        Object value = config.get(key);
        if (value instanceof Optional<?> optional) {
            if (optional.isEmpty()) {
                return "(none)";
            }
            value = optional.get();
        }
        if (key == ApiSettings.API_KEY) {
            return "***";
        }
        if (value instanceof Duration duration) {
            return duration.toString().substring(2).toLowerCase(Locale.ROOT);
        }
        String text = String.valueOf(value);
        if (key == StoreSettings.DATABASE_URL) {
            return DatabaseUrl.redact(text);
        }
        return text.isEmpty() ? "(empty)" : text;
    }
}
