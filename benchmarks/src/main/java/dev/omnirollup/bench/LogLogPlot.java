package dev.omnirollup.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Stroke;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleUnaryOperator;
import javax.imageio.ImageIO;

/**
 * A log-log line chart drawn with Java2D into a PNG (no plotting library is available offline): series of (x, y)
 * points, solid or dashed, one colour per name, with decade grid lines and a legend. Headless. Not thread-safe.
 */
final class LogLogPlot {
    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
        new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf),
        new Color(0x7f7f7f), new Color(0xbcbd22)};

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final List<Series> series = new ArrayList<>();
    private final List<double[]> hLines = new ArrayList<>();
    private final List<String> hLineLabels = new ArrayList<>();

    record Series(String name, int colour, boolean dashed, double[] xs, double[] ys) {
    }

    LogLogPlot(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    void add(String name, int colour, boolean dashed, double[] xs, double[] ys) {
        series.add(new Series(name, colour, dashed, xs, ys));
    }

    /** A horizontal reference line (e.g. a target) at {@code y}. */
    void horizontal(double y, String label) {
        hLines.add(new double[] {y});
        hLineLabels.add(label);
    }

    void write(Path file) {
        int width = 1200;
        int height = 760;
        int left = 90;
        int right = 330;
        int top = 60;
        int bottom = 70;
        double minX = Double.MAX_VALUE;
        double maxX = -Double.MAX_VALUE;
        double minY = Double.MAX_VALUE;
        double maxY = -Double.MAX_VALUE;
        for (Series s : series) {
            for (int i = 0; i < s.xs().length; i++) {
                if (s.xs()[i] > 0 && s.ys()[i] > 0 && Double.isFinite(s.ys()[i])) {
                    minX = Math.min(minX, s.xs()[i]);
                    maxX = Math.max(maxX, s.xs()[i]);
                    minY = Math.min(minY, s.ys()[i]);
                    maxY = Math.max(maxY, s.ys()[i]);
                }
            }
        }
        for (double[] h : hLines) {
            minY = Math.min(minY, h[0]);
            maxY = Math.max(maxY, h[0]);
        }
        if (minX == Double.MAX_VALUE) {
            minX = 1;
            maxX = 10;
            minY = 1;
            maxY = 10;
        }
        double x0 = Math.floor(Math.log10(minX));
        double x1 = Math.ceil(Math.log10(maxX));
        double y0 = Math.floor(Math.log10(minY));
        double y1 = Math.ceil(Math.log10(maxY));
        if (x1 == x0) {
            x1 = x0 + 1;
        }
        if (y1 == y0) {
            y1 = y0 + 1;
        }
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        int plotW = width - left - right;
        int plotH = height - top - bottom;
        // axes and grid
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        Stroke thin = new BasicStroke(1f);
        for (double d = x0; d <= x1 + 1e-9; d++) {
            int px = (int) Math.round(left + (d - x0) / (x1 - x0) * plotW);
            g.setColor(new Color(0xdddddd));
            g.setStroke(thin);
            g.drawLine(px, top, px, top + plotH);
            g.setColor(Color.DARK_GRAY);
            String label = decade(d, false);
            g.drawString(label, px - g.getFontMetrics().stringWidth(label) / 2, top + plotH + 20);
        }
        for (double d = y0; d <= y1 + 1e-9; d++) {
            int py = (int) Math.round(top + plotH - (d - y0) / (y1 - y0) * plotH);
            g.setColor(new Color(0xdddddd));
            g.drawLine(left, py, left + plotW, py);
            g.setColor(Color.DARK_GRAY);
            String label = decade(d, true);
            g.drawString(label, left - 10 - g.getFontMetrics().stringWidth(label), py + 5);
        }
        g.setColor(Color.BLACK);
        g.drawRect(left, top, plotW, plotH);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 17));
        g.drawString(title, left, 35);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        g.drawString(xLabel, left + plotW / 2 - g.getFontMetrics().stringWidth(xLabel) / 2, height - 25);
        Graphics2D rotated = (Graphics2D) g.create();
        rotated.rotate(-Math.PI / 2);
        rotated.drawString(yLabel, -(top + plotH / 2 + g.getFontMetrics().stringWidth(yLabel) / 2), 25);
        rotated.dispose();
        final double fx0 = x0;
        final double fx1 = x1;
        final double fy0 = y0;
        final double fy1 = y1;
        DoubleUnaryOperator px = v -> left + (Math.log10(v) - fx0) / (fx1 - fx0) * plotW;
        DoubleUnaryOperator py = v -> top + plotH - (Math.log10(v) - fy0) / (fy1 - fy0) * plotH;
        // reference lines
        for (int i = 0; i < hLines.size(); i++) {
            int y = (int) Math.round(py.applyAsDouble(hLines.get(i)[0]));
            g.setColor(new Color(0x444444));
            g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {2f, 4f},
                    0f));
            g.drawLine(left, y, left + plotW, y);
            g.setFont(new Font(Font.SANS_SERIF, Font.ITALIC, 12));
            g.drawString(hLineLabels.get(i), left + 6, y - 4);
        }
        // series
        for (Series s : series) {
            pen(g, s);
            int lastX = Integer.MIN_VALUE;
            int lastY = 0;
            for (int i = 0; i < s.xs().length; i++) {
                if (!(s.ys()[i] > 0) || !Double.isFinite(s.ys()[i])) {
                    lastX = Integer.MIN_VALUE;
                    continue;
                }
                int x = (int) Math.round(px.applyAsDouble(s.xs()[i]));
                int y = (int) Math.round(py.applyAsDouble(s.ys()[i]));
                if (lastX != Integer.MIN_VALUE) {
                    g.drawLine(lastX, lastY, x, y);
                }
                if (s.dashed()) {
                    g.fillRect(x - 4, y - 4, 8, 8);
                } else {
                    g.fillOval(x - 4, y - 4, 8, 8);
                }
                lastX = x;
                lastY = y;
            }
        }
        // legend
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        int ly = top + 10;
        for (Series s : series) {
            pen(g, s);
            g.drawLine(left + plotW + 20, ly, left + plotW + 60, ly);
            g.setColor(Color.BLACK);
            g.drawString(s.name(), left + plotW + 68, ly + 5);
            ly += 20;
        }
        g.dispose();
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            ImageIO.write(image, "png", file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + file + " failed", e);
        }
    }

    private static String decade(double exponent, boolean millis) {
        double v = Math.pow(10, exponent);
        if (millis) {
            if (v < 1) {
                return String.format(Locale.ROOT, "%s ms", trim(v));
            }
            if (v < 1000) {
                return String.format(Locale.ROOT, "%.0f ms", v);
            }
            return String.format(Locale.ROOT, "%s s", trim(v / 1000));
        }
        if (v >= 1e6) {
            return trim(v / 1e6) + "M";
        }
        if (v >= 1e3) {
            return trim(v / 1e3) + "k";
        }
        return trim(v);
    }

    private static String trim(double v) {
        String s = String.format(Locale.ROOT, "%.3f", v);
        s = s.replaceAll("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    /** The series' colour and line: solid, or dashed for a reference series. */
    private static void pen(Graphics2D g, Series s) {
        g.setColor(PALETTE[s.colour() % PALETTE.length]);
        g.setStroke(s.dashed()
                ? new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[] {8f, 6f}, 0f)
                : new BasicStroke(2.5f));
    }
}
