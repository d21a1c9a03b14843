package io.comfyfleet.emulator;

import io.comfyfleet.comfy.ComfyException;

/**
 * The unchecked root of the emulator's own failures: a bad configuration, a port that cannot be bound,
 * a catalogue file that cannot be read. Emulated ComfyUI failures (a node raising, an interrupt) are not
 * errors of the emulator and travel as {@link io.comfyfleet.emulator.nodes.NodeFailure}.
 */
public class EmulatorException extends ComfyException {
    public EmulatorException(String message) {
        super(message);
    }

    public EmulatorException(String message, Throwable cause) {
        super(message, cause);
    }
}
