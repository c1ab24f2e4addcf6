package dev.omnirollup.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The README's configuration table is the generated one: a setting added to a module and not to the README fails this test. */
class ConfigTableTest {
    static Path repositoryRoot() {
        return Path.of(System.getProperty("omni-rollup.deploy.dir", ".")).toAbsolutePath().normalize().getParent();
    }

    @Test
    void oneRowPerKeyWithEnvironmentVariableDefaultAndMeaning() {
        List<String> rows = ConfigTable.markdown().lines().skip(2).toList();
        assertEquals(SharedOptions.SETTINGS.size(), rows.size());
        assertEquals("| `http-port` | `OMNI_ROLLUP_HTTP_PORT` | `8882` | Port of the API and dashboard page. |",
                rows.stream().filter(r -> r.startsWith("| `http-port`")).findFirst().orElseThrow());
        assertTrue(rows.stream().filter(r -> r.startsWith("| `database-url`")).findFirst().orElseThrow()
                .contains("| *(none)* |"));
        for (String row : rows) {
            assertEquals(5, row.split("(?<!\\\\)\\|", -1).length - 1, "four cells: " + row);
        }
    }

    @Test
    void readmeTableMatchesTheConfiguration() throws Exception {
        Path readme = repositoryRoot().resolve("README.md");
        String text = Files.exists(readme) ? Files.readString(readme) : "";
        Assumptions.assumeTrue(text.contains(ConfigTable.BEGIN), "README.md has no generated configuration table "
                + "yet: paste the output of './omni-rollup config --table' into it");
        assertEquals(ConfigTable.block(), tableIn(text), "README.md's configuration table differs from SharedOptions.SETTINGS: "
                + "replace it with the output of './omni-rollup config --table'");
    }

    @Test
    void aChangedKeyIsNoticed() {
        String readme = "# omni-rollup\n\n" + ConfigTable.block() + "\n## Operations\n";
        assertEquals(ConfigTable.block(), tableIn(readme));
        String stale = readme.replace("| `http-port` | `OMNI_ROLLUP_HTTP_PORT` | `8882` |",
                "| `http-port` | `OMNI_ROLLUP_HTTP_PORT` | `8080` |");
        assertTrue(!ConfigTable.block().equals(tableIn(stale)));
    }

    /** The README's table with its markers. */
    static String tableIn(String text) {
        int begin = text.indexOf(ConfigTable.BEGIN);
        int end = text.indexOf(ConfigTable.END, begin);
        assertTrue(begin >= 0 && end > begin, "README.md lacks " + ConfigTable.BEGIN + " or " + ConfigTable.END);
        return text.substring(begin, end + ConfigTable.END.length()) + "\n";
    }
}
