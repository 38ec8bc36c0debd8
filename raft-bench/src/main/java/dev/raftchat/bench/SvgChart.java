package dev.raftchat.bench;

import java.util.List;
import java.util.Locale;
import java.util.function.BiFunction;

/**
 * Writes the peer benchmark's chart as a small standalone SVG: two panels side by side, throughput (ops/s)
 * and p99 latency (ms) against the number of clients, one line per library. Client counts are evenly
 * spaced (they are usually powers of two); each y axis starts at 0. A missing value (a failed run) breaks
 * nothing: that point is left out.
 */
final class SvgChart {
    private static final int PANEL_WIDTH = 420;
    private static final int PANEL_HEIGHT = 300;
    private static final int MARGIN_LEFT = 70;
    private static final int MARGIN_TOP = 50;
    private static final int MARGIN_BOTTOM = 50;
    private static final int LEGEND_HEIGHT = 24;
    private static final String[] COLORS = {"#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};

    private SvgChart() {}

    static String render(
            String title,
            int[] clients,
            List<String> libraries,
            BiFunction<String, Integer, Double> opsPerSecond,
            BiFunction<String, Integer, Double> p99Millis) {
        int width = 2 * (MARGIN_LEFT + PANEL_WIDTH) + 60;
        int height = MARGIN_TOP + PANEL_HEIGHT + MARGIN_BOTTOM + LEGEND_HEIGHT + 10;
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(
                Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                        + "font-family=\"sans-serif\" font-size=\"12\">%n",
                width,
                height));
        svg.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", width, height));
        svg.append(String.format(
                Locale.ROOT,
                "<text x=\"%d\" y=\"20\" font-size=\"14\" text-anchor=\"middle\">%s</text>%n",
                width / 2,
                escape(title)));
        panel(svg, MARGIN_LEFT, "throughput (ops/s, committed and applied)", clients, libraries, opsPerSecond);
        panel(svg, 2 * MARGIN_LEFT + PANEL_WIDTH + 40, "p99 latency (ms)", clients, libraries, p99Millis);
        int legendY = MARGIN_TOP + PANEL_HEIGHT + MARGIN_BOTTOM + 10;
        for (int i = 0; i < libraries.size(); i++) {
            int x = MARGIN_LEFT + i * 140;
            svg.append(String.format(
                    Locale.ROOT,
                    "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" " + "stroke-width=\"3\"/>%n",
                    x,
                    legendY,
                    x + 24,
                    legendY,
                    color(i)));
            svg.append(String.format(
                    Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", x + 30, legendY + 4, escape(libraries.get(i))));
        }
        svg.append("</svg>\n");
        return svg.toString();
    }

    private static void panel(
            StringBuilder svg,
            int left,
            String label,
            int[] clients,
            List<String> libraries,
            BiFunction<String, Integer, Double> metric) {
        double max = 0;
        for (String library : libraries) {
            for (int n : clients) {
                Double value = metric.apply(library, n);
                if (value != null) {
                    max = Math.max(max, value);
                }
            }
        }
        double top = max > 0 ? niceCeiling(max) : 1;
        int bottom = MARGIN_TOP + PANEL_HEIGHT;
        svg.append(String.format(
                Locale.ROOT,
                "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                left + PANEL_WIDTH / 2,
                MARGIN_TOP - 12,
                escape(label)));
        svg.append(String.format(
                Locale.ROOT,
                "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" " + "stroke=\"#888\"/>%n",
                left,
                MARGIN_TOP,
                PANEL_WIDTH,
                PANEL_HEIGHT));
        for (int i = 0; i <= 4; i++) {
            double value = top * i / 4;
            int y = bottom - (int) Math.round(PANEL_HEIGHT * i / 4.0);
            svg.append(String.format(
                    Locale.ROOT,
                    "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ddd\"/>%n",
                    left,
                    y,
                    left + PANEL_WIDTH,
                    y));
            svg.append(String.format(
                    Locale.ROOT,
                    "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n",
                    left - 6,
                    y + 4,
                    format(value)));
        }
        for (int c = 0; c < clients.length; c++) {
            svg.append(String.format(
                    Locale.ROOT,
                    "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%d</text>%n",
                    xOf(left, c, clients.length),
                    bottom + 18,
                    clients[c]));
        }
        svg.append(String.format(
                Locale.ROOT,
                "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">clients</text>%n",
                left + PANEL_WIDTH / 2,
                bottom + 38));
        for (int i = 0; i < libraries.size(); i++) {
            StringBuilder points = new StringBuilder();
            for (int c = 0; c < clients.length; c++) {
                Double value = metric.apply(libraries.get(i), clients[c]);
                if (value == null) {
                    continue;
                }
                int x = xOf(left, c, clients.length);
                int y = bottom - (int) Math.round(PANEL_HEIGHT * value / top);
                points.append(x).append(',').append(y).append(' ');
                svg.append(String.format(
                        Locale.ROOT, "<circle cx=\"%d\" cy=\"%d\" r=\"3\" fill=\"%s\"/>%n", x, y, color(i)));
            }
            if (points.length() > 0) {
                svg.append(String.format(
                        Locale.ROOT,
                        "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" " + "stroke-width=\"2\"/>%n",
                        points.toString().trim(),
                        color(i)));
            }
        }
    }

    private static int xOf(int left, int index, int count) {
        return count == 1 ? left + PANEL_WIDTH / 2 : left + 30 + (PANEL_WIDTH - 60) * index / (count - 1);
    }

    /** The smallest of 1, 2, 2.5, 5 times a power of ten at or above {@code value}. */
    static double niceCeiling(double value) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(value)));
        for (double step : new double[] {1, 2, 2.5, 5, 10}) {
            if (step * magnitude >= value) {
                return step * magnitude;
            }
        }
        return 10 * magnitude;
    }

    private static String format(double value) {
        if (value == 0) {
            return "0";
        }
        return value >= 100 || value == Math.rint(value)
                ? String.format(Locale.ROOT, "%,.0f", value)
                : String.format(Locale.ROOT, "%.2f", value);
    }

    private static String color(int index) {
        return COLORS[index % COLORS.length];
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
