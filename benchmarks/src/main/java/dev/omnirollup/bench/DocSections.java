package dev.omnirollup.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keeps docs/benchmarks.md in step with the results: every block between {@code <!-- bench:NAME -->} and
 * {@code <!-- /bench:NAME -->} is replaced by the table file {@code NAME.md} of the output directory, when that file
 * exists. Only full runs into docs/bench update the document; prose outside the markers is never touched.
 */
final class DocSections {
    private static final Pattern BLOCK = Pattern.compile(
            "(<!-- bench:([a-z0-9-]+) -->\\n)(.*?)(<!-- /bench:\\2 -->)", Pattern.DOTALL);

    private DocSections() {
    }

    /** Rewrites the marked blocks of {@code doc} from {@code results}; returns how many were replaced. */
    static int update(Path doc, Path results) throws IOException {
        if (!Files.exists(doc)) {
            return 0;
        }
        String text = Files.readString(doc, StandardCharsets.UTF_8);
        Matcher m = BLOCK.matcher(text);
        StringBuilder out = new StringBuilder();
        int replaced = 0;
        while (m.find()) {
            Path table = results.resolve(m.group(2) + ".md");
            String body = m.group(3);
            if (Files.exists(table)) {
                body = Files.readString(table, StandardCharsets.UTF_8).stripTrailing() + "\n";
                replaced++;
            }
            m.appendReplacement(out, Matcher.quoteReplacement(m.group(1) + body + m.group(4)));
        }
        m.appendTail(out);
        Files.writeString(doc, out.toString(), StandardCharsets.UTF_8);
        return replaced;
    }
}
