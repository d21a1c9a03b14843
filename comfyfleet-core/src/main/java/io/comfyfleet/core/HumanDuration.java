package io.comfyfleet.core;

import java.time.Duration;
import java.util.Locale;

/**
 * A duration as a person reads it in the terminal: {@code 350 ms}, {@code 1.2 s}, {@code 3 min 4 s},
 * {@code 2 h 5 min}, {@code 3 d 4 h}. Two units at most, the smaller dropped when zero ({@code 10 min}). The
 * command line, the log lines of {@code up}'s terminal (scaling reasons, sweeps) and every message meant for a
 * person use it, never {@link Duration#toString()}'s {@code PT1.2S}. The dashboard's {@code duration()} in
 * {@code dashboard.js} follows the same rules, so both say the same about a job, and so does the SDK's own copy
 * (it depends on no ComfyFleet module). (Configuration is written the YAML way, {@code 30s}; that is
 * {@code StartupReport.human}.)
 */
public final class HumanDuration {
    private HumanDuration() {}

    public static String of(Duration d) {
        return millis(d.toMillis());
    }

    /** Negative values read as zero (clocks of two machines a moment apart). */
    public static String millis(long ms) {
        ms = Math.max(0, ms);
        if (ms < 1000) {
            return ms + " ms";
        }
        long tenths = Math.round(ms / 100.0);
        if (tenths < 600) {
            return String.format(Locale.ROOT, "%.1f s", tenths / 10.0);
        }
        long s = Math.max(60, ms / 1000); // 59.96 s rounds to a minute, not to "0 min 59 s"
        if (s < 3600) {
            return pair(s / 60, "min", s % 60, "s");
        }
        long m = s / 60;
        if (m < 1440) {
            return pair(m / 60, "h", m % 60, "min");
        }
        long h = m / 60;
        return pair(h / 24, "d", h % 24, "h");
    }

    private static String pair(long big, String bigUnit, long small, String smallUnit) {
        return big + " " + bigUnit + (small == 0 ? "" : " " + small + " " + smallUnit);
    }
}
