package dev.omnirollup.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One result table: printed aligned on stdout, written as {@code <name>.csv} and as a Markdown table with its command,
 * machine and date ({@code <name>.md}) for docs/benchmarks.md. Not thread-safe.
 */
final class Table {
    private final String name;
    private final String title;
    private final List<String> columns;
    private final List<List<String>> rows = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    Table(String name, String title, String... columns) {
        this.name = name;
        this.title = title;
        this.columns = List.of(columns);
    }

    String name() {
        return name;
    }

    void add(Object... values) {
        if (values.length != columns.size()) {
            throw new IllegalArgumentException(name + ": " + values.length + " values for " + columns.size()
                    + " columns");
        }
        List<String> row = new ArrayList<>(values.length);
        for (Object value : values) {
            row.add(format(value));
        }
        rows.add(row);
    }

    /** A line printed under the table (targets met or missed, caveats). */
    void note(String note) {
        notes.add(note);
    }

    List<List<String>> rows() {
        return rows;
    }

    static String format(Object value) {
        return switch (value) {
            case null -> "";
            case Double d when d.isNaN() -> "n/a";
            case Double d when Math.abs(d) >= 1000 -> String.format(Locale.ROOT, "%.0f", d);
            case Double d when Math.abs(d) >= 100 -> String.format(Locale.ROOT, "%.1f", d);
            case Double d when Math.abs(d) >= 10 -> String.format(Locale.ROOT, "%.2f", d);
            case Double d -> String.format(Locale.ROOT, "%.3f", d);
            case Float f -> format((double) f);
            default -> value.toString();
        };
    }

    /** Prints the table and writes its CSV and Markdown files under {@code report.out()}. */
    void publish(Report report) {
        StringBuilder text = new StringBuilder();
        int[] widths = new int[columns.size()];
        for (int i = 0; i < columns.size(); i++) {
            widths[i] = columns.get(i).length();
            for (List<String> row : rows) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        text.append('\n').append("== ").append(title).append(report.smoke() ? " (SMOKE SIZES)" : "").append(" ==\n");
        appendRow(text, columns, widths);
        StringBuilder rule = new StringBuilder();
        for (int width : widths) {
            rule.append("-".repeat(width)).append("  ");
        }
        text.append(rule.toString().stripTrailing()).append('\n');
        for (List<String> row : rows) {
            appendRow(text, row, widths);
        }
        notes.forEach(n -> text.append("  ").append(n).append('\n'));
        System.out.print(text);
        System.out.flush();

        StringBuilder csv = new StringBuilder();
        csv.append(String.join(",", columns.stream().map(Table::csv).toList())).append('\n');
        for (List<String> row : rows) {
            csv.append(String.join(",", row.stream().map(Table::csv).toList())).append('\n');
        }
        StringBuilder md = new StringBuilder();
        md.append("### ").append(title).append(report.smoke() ? " (smoke sizes)" : "").append("\n\n");
        md.append("Command: `").append(report.command()).append("`  \n");
        md.append("Run: ").append(report.started()).append(" on ").append(report.machine().oneLine()).append("\n\n");
        md.append("| ").append(String.join(" | ", columns)).append(" |\n");
        md.append("|").append("---|".repeat(columns.size())).append('\n');
        for (List<String> row : rows) {
            md.append("| ").append(String.join(" | ", row)).append(" |\n");
        }
        if (!notes.isEmpty()) {
            md.append('\n');
            notes.forEach(n -> md.append("- ").append(n).append('\n'));
        }
        try {
            Files.createDirectories(report.out());
            Files.writeString(report.out().resolve(name + ".csv"), csv, StandardCharsets.UTF_8);
            Files.writeString(report.out().resolve(name + ".md"), md, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + name + " to " + report.out() + " failed", e);
        }
    }

    private static void appendRow(StringBuilder text, List<String> cells, int[] widths) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            String cell = cells.get(i);
            line.append(i == 0 ? pad(cell, widths[i]) : padLeft(cell, widths[i])).append("  ");
        }
        text.append(line.toString().stripTrailing()).append('\n');
    }

    private static String pad(String s, int width) {
        return s + " ".repeat(Math.max(0, width - s.length()));
    }

    private static String padLeft(String s, int width) {
        return " ".repeat(Math.max(0, width - s.length())) + s;
    }

    private static String csv(String cell) {
        if (cell.contains(",") || cell.contains("\"") || cell.contains("\n")) {
            return '"' + cell.replace("\"", "\"\"") + '"';
        }
        return cell;
    }
}
