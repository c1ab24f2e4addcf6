package dev.omnirollup.deploy;

import dev.omnirollup.api.QueryApi;
import picocli.CommandLine;

/** This build's version, for {@code --version}. */
final class Version implements CommandLine.IVersionProvider {
    static final String VALUE = QueryApi.version();

    @Override
    public String[] getVersion() {
        return new String[] {"omni-rollup " + VALUE,
            "Java " + Runtime.version() + " (" + System.getProperty("java.vendor", "unknown vendor") + ")"};
    }
}
