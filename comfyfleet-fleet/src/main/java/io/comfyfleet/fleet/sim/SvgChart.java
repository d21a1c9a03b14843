package io.comfyfleet.fleet.sim;

import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * Draws a simulation as an SVG: three panels over time (queued jobs, workers live and busy, each job's wait at its
 * arrival). Plain SVG text: no chart library needed for three line and dot plots. Long runs are drawn from at most
 * {@link #COLUMNS} columns, each showing the highest value of its time span, so short spikes stay visible.
 */
public final class SvgChart {
    static final int COLUMNS = 1200;
    private static final int WIDTH = 1300;
    private static final int PANEL = 170;
    private static final int LEFT = 70;
    private static final int TOP = 40;

    private SvgChart() {}

    /** The chart of {@code result}, titled {@code title}. */
    public static String of(SimResult result, String title) {
        double end = Math.max(result.end(), 1);
        StringBuilder svg = new StringBuilder();
        int height = TOP + 3 * (PANEL + 40) + 20;
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                + " font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
                WIDTH, height));
        svg.append("<text x=\"").append(LEFT).append("\" y=\"20\" font-size=\"14\">").append(escape(title))
                .append("</text>\n");
        List<SimResult.Sample> s = result.samples();
        int y0 = TOP;
        panel(svg, y0, "queued jobs", end, max(s, SimResult.Sample::queued), "#c0392b");
        line(svg, s, SimResult.Sample::queued, y0, end, max(s, SimResult.Sample::queued), "#c0392b");
        int y1 = y0 + PANEL + 40;
        double wmax = max(s, SimResult.Sample::workers);
        panel(svg, y1, "workers (blue: live, green: busy)", end, wmax, "#2c3e50");
        line(svg, s, SimResult.Sample::workers, y1, end, wmax, "#2471a3");
        line(svg, s, SimResult.Sample::running, y1, end, wmax, "#27ae60");
        int y2 = y1 + PANEL + 40;
        double waitMax = Math.max(1, result.jobs().stream().mapToDouble(SimResult.JobOutcome::waited).max().orElse(1));
        panel(svg, y2, String.format(Locale.ROOT, "wait per job, s (p95 %.1f s dashed)", result.waitPercentile(95)),
                end, waitMax, "#8e44ad");
        for (SimResult.JobOutcome j : result.jobs()) {
            svg.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"1.5\" fill=\"#8e44ad\"/>\n",
                    x(j.arrived(), end), y(j.waited(), y2, waitMax)));
        }
        double p95y = y(result.waitPercentile(95), y2, waitMax);
        svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#555\""
                + " stroke-dasharray=\"4 3\"/>\n", LEFT, p95y, WIDTH - 20, p95y));
        svg.append("</svg>\n");
        return svg.toString();
    }

    private static void panel(StringBuilder svg, int top, String label, double end, double max, String color) {
        int bottom = top + PANEL;
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s</text>\n", LEFT, top - 6,
                color, escape(label)));
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\""
                + " stroke=\"#bbb\"/>\n", LEFT, top, WIDTH - 20 - LEFT, PANEL));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n", LEFT - 6,
                top + 10, number(max)));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>\n", LEFT - 6,
                bottom));
        for (int i = 0; i <= 4; i++) {
            double t = end * i / 4;
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                    x(t, end), bottom + 14, time(t)));
        }
    }

    private static void line(StringBuilder svg, List<SimResult.Sample> samples,
            ToDoubleFunction<SimResult.Sample> value, int top, double end, double max, String color) {
        if (samples.isEmpty()) {
            return;
        }
        double[] column = new double[COLUMNS];
        boolean[] seen = new boolean[COLUMNS];
        for (SimResult.Sample s : samples) {
            int c = (int) Math.min(COLUMNS - 1, s.at() / end * COLUMNS);
            column[c] = seen[c] ? Math.max(column[c], value.applyAsDouble(s)) : value.applyAsDouble(s);
            seen[c] = true;
        }
        StringBuilder points = new StringBuilder();
        double last = 0;
        for (int c = 0; c < COLUMNS; c++) {
            double v = seen[c] ? column[c] : last;
            last = v;
            points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x((c + 0.5) * end / COLUMNS, end), y(v, top, max)));
        }
        svg.append("<polyline fill=\"none\" stroke=\"").append(color).append("\" stroke-width=\"1.2\" points=\"")
                .append(points.toString().strip()).append("\"/>\n");
    }

    private static double max(List<SimResult.Sample> s, ToDoubleFunction<SimResult.Sample> f) {
        return Math.max(1, s.stream().mapToDouble(f).max().orElse(1));
    }

    private static double x(double t, double end) {
        return LEFT + t / end * (WIDTH - 20 - LEFT);
    }

    private static double y(double v, int top, double max) {
        return top + PANEL - v / max * PANEL;
    }

    private static String time(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02d", s / 3600, s % 3600 / 60)
                : String.format(Locale.ROOT, "%dm%02d", s / 60, s % 60);
    }

    private static String number(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
