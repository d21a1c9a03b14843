package io.comfyfleet.comfy.workflow;

import io.comfyfleet.comfy.ComfyException;

/** An /object_info body that is not a node catalogue (not a JSON object of node types). */
public final class InvalidCatalogException extends ComfyException {
    public InvalidCatalogException(String message) {
        super(message);
    }
}
