package io.comfyfleet.cli.client;

import io.comfyfleet.sdk.Progress;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * The live progress line of {@code submit --wait}: a percent bar, the running node and its sampler step. On a
 * terminal one line is redrawn in place with {@code \r}; otherwise (a log file, CI) a line is written per change,
 * so the output stays readable as plain text.
 */
final class ProgressLine {
    private static final int BAR_WIDTH = 20;

    private final PrintWriter out;
    private final boolean terminal;
    private String last;
    private int drawnWidth;

    ProgressLine(PrintWriter out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    /** Shows {@code progress} unless it reads the same as the line already shown. */
    synchronized void show(Progress progress) {
        showText(format(progress));
    }

    /** Shows a line of text in the same place, e.g. how long a job has waited for a worker. */
    synchronized void showText(String line) {
        if (line.equals(last)) {
            return;
        }
        last = line;
        if (terminal) {
            // pad with blanks so a shorter line fully covers the longer one drawn before it
            out.print("\r" + line + " ".repeat(Math.max(0, drawnWidth - line.length())));
            drawnWidth = line.length();
        } else {
            out.println(line);
        }
        out.flush();
    }

    /** Ends a redrawn line so what follows starts on a line of its own. */
    synchronized void finish() {
        if (terminal && drawnWidth > 0) {
            out.println();
            out.flush();
            drawnWidth = 0;
        }
    }

    /** The bar full, then how it ended: {@code [####################] 100% COMPLETED  delay 1.2 s, execution 3.4 s}. */
    static String done(String state, long delayMillis, long executionMillis) {
        return "[" + "#".repeat(BAR_WIDTH) + "] 100% " + state + "  delay " + seconds(delayMillis) + ", execution "
                + seconds(executionMillis);
    }

    static String seconds(long millis) {
        return io.comfyfleet.core.HumanDuration.millis(millis);
    }

    /** E.g. {@code [########------------]  40% node 2 KSampler step 6/20}; parts the worker did not report are left out. */
    static String format(Progress p) {
        StringBuilder s = new StringBuilder();
        if (p.percent() >= 0) {
            double percent = Math.min(100, p.percent());
            int filled = (int) Math.round(percent / 100 * BAR_WIDTH);
            s.append('[').append("#".repeat(filled)).append("-".repeat(BAR_WIDTH - filled)).append("] ")
                    .append(String.format(Locale.ROOT, "%3d%%", (int) Math.floor(percent)));
        } else {
            s.append("[running]");
        }
        if (p.nodeId() != null) {
            s.append(" node ").append(p.nodeId());
        }
        if (p.nodeType() != null) {
            s.append(' ').append(p.nodeType());
        }
        if (p.step() >= 0 && p.maxSteps() > 0) {
            s.append(" step ").append(p.step()).append('/').append(p.maxSteps());
        }
        return s.toString();
    }
}
