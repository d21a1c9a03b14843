package io.comfyfleet.core;

/** The one unchecked root of ComfyFleet's own failures; subclasses carry the ids they are about. */
public class ComfyFleetException extends RuntimeException {
    public ComfyFleetException(String message) {
        super(message);
    }

    public ComfyFleetException(String message, Throwable cause) {
        super(message, cause);
    }
}
