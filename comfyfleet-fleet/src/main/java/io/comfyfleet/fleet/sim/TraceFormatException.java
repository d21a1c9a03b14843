package io.comfyfleet.fleet.sim;

import io.comfyfleet.core.ComfyFleetException;

/** A trace file that cannot be read; the message names the file, the line and what to change. */
public final class TraceFormatException extends ComfyFleetException {
    private final int line;

    TraceFormatException(String source, int line, String problem) {
        super(source + (line > 0 ? " line " + line : "") + ": " + problem);
        this.line = line;
    }

    /** The 1-based line that is wrong; 0 when the problem is the whole file. */
    public int line() {
        return line;
    }
}
