package io.comfyfleet.image;

import io.comfyfleet.core.ComfyFleetException;

/**
 * A worker image cannot be locked or built. The message names the item at fault (a recipe key, a custom node, a
 * model file) and what to change.
 */
public class ImageException extends ComfyFleetException {
    public ImageException(String message) {
        super(message);
    }

    public ImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
