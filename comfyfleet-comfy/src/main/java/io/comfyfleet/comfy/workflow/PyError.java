package io.comfyfleet.comfy.workflow;

import java.util.ArrayList;
import java.util.List;

/**
 * A Python exception as ComfyUI's validation would raise it (KeyError, TypeError, ...), carried through the
 * emulated validate_inputs so it is caught where ComfyUI catches it and reported with the same type, text and
 * traceback frames.
 */
final class PyError extends RuntimeException {
    private final String type;
    private final List<String> frames = new ArrayList<>();

    PyError(String type, String message) {
        super(message, null, false, false);
        this.type = type;
    }

    static PyError typeError(String message) {
        return new PyError("TypeError", message);
    }

    /** str(KeyError(k)) is repr(k). */
    static PyError keyError(String repr) {
        return new PyError("KeyError", repr);
    }

    String type() {
        return type;
    }

    /** Python's str(exception). */
    String text() {
        return getMessage();
    }

    /** Frames from the raising site outwards are added as the error propagates; innermost last when read. */
    PyError at(List<String> innerFrames) {
        frames.addAll(0, innerFrames);
        return this;
    }

    PyError at(String frame) {
        frames.addFirst(frame);
        return this;
    }

    List<String> frames() {
        return List.copyOf(frames);
    }

    @Override
    public String toString() {
        return type + ": " + getMessage();
    }
}
