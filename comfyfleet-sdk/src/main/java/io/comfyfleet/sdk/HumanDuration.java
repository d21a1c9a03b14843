package io.comfyfleet.sdk;

import java.time.Duration;
import java.util.Locale;

/**
 * A duration in a message as a person reads it: {@code 350 ms}, {@code 1.2 s}, {@code 3 min 4 s}, {@code 2 h 5 min},
 * {@code 3 d 4 h}; never {@link Duration#toString()}'s {@code PT1.2S}. The same rules as ComfyFleet's own
 * {@code io.comfyfleet.core.HumanDuration} (the command line, the dashboard), copied because the SDK depends on no
 * ComfyFleet module; {@code HumanDurationTest} here holds the same cases as there.
 */
final class HumanDuration {
    private HumanDuration() {}

    static String of(Duration d) {
        long ms = Math.max(0, d.toMillis());
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
