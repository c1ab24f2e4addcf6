package dev.omnirollup.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;

/** This build's version, from a resource the build fills in. */
final class Version implements CommandLine.IVersionProvider {
    static final String VALUE = read();

    @Override
    public String[] getVersion() {
        return new String[] {"omni-rollup " + VALUE,
            "Java " + Runtime.version() + " (" + System.getProperty("java.vendor", "unknown vendor") + ")"};
    }

    private static String read() {
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                Properties properties = new Properties();
                properties.load(in);
                String value = properties.getProperty("version", "");
                if (!value.isBlank() && !value.contains("${")) {
                    return value;
                }
            }
        } catch (IOException e) {
            // fall through to the manifest
        }
        String fromManifest = Version.class.getPackage().getImplementationVersion();
        return fromManifest == null ? "unknown" : fromManifest;
    }
}
