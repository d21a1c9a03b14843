package io.comfyfleet.gateway.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one duration grammar of ComfyFleet's configuration and command line: {@code 500ms}, {@code 30s},
 * {@code 10m}, {@code 24h}, {@code 7d}. The gateway's settings, {@code up}'s {@code workers} section and the CLI's
 * options all read durations through here, so a value valid in one place is valid in every other.
 */
public final class Durations {
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

    /** How an error message describes the grammar. */
    public static final String EXAMPLES = "500ms, 30s, 10m, 24h or 7d";

    private Durations() {}

    /** The duration as this grammar writes it, in the largest unit up to hours that holds it whole: 30s, 10m, 24h. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0 && ms > 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0 && ms > 0) {
            return ms / 60_000 + "m";
        }
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }

    /** The duration {@code text} writes; null when it is not written in this grammar. */
    public static Duration parse(String text) {
        if (text == null) {
            return null;
        }
        Matcher m = DURATION.matcher(text.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            return null;
        }
        long amount = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofDays(amount);
        };
    }
}
