package io.comfyfleet.common.process;

import java.util.Optional;

/**
 * The one line a worker prints on stderr, outside its log, as soon as it knows it will exit with an error, and that
 * whoever started it reads back: {@code comfyfleet worker: exits with code 3: ComfyUI did not start: port 8188 ...}.
 * The worker's log holds the details; this line is what a person at {@code comfyfleet up}'s terminal is shown
 * beside the exit code. Its reason is a single line (line breaks become "; "), at most {@value #MAX_REASON}
 * characters.
 */
public final class WorkerExitLine {
    /** How every line the worker writes itself, outside its log, begins (its usage errors too). */
    public static final String PREFIX = "comfyfleet worker: ";
    static final String EXITS = "exits with code ";
    static final int MAX_REASON = 1000;

    private WorkerExitLine() {}

    /** The exit line for this code and reason. */
    public static String of(int code, String reason) {
        return PREFIX + EXITS + code + ": " + oneLine(reason);
    }

    /**
     * The reason a worker's output line gives: an exit line's reason, or what else the worker wrote itself after
     * {@link #PREFIX} (a usage error); empty for any other line (its log, ComfyUI's output).
     */
    public static Optional<String> reason(String line) {
        if (line == null || !line.startsWith(PREFIX)) {
            return Optional.empty();
        }
        String rest = line.substring(PREFIX.length());
        if (rest.startsWith(EXITS)) {
            int colon = rest.indexOf(": ", EXITS.length());
            if (colon > 0) {
                rest = rest.substring(colon + 2);
            }
        }
        return rest.isBlank() ? Optional.empty() : Optional.of(oneLine(rest));
    }

    static String oneLine(String text) {
        String line = String.valueOf(text).strip().replaceAll("\\s*\\R\\s*", "; ");
        return line.length() <= MAX_REASON ? line : line.substring(0, MAX_REASON - 3) + "...";
    }
}
