package io.comfyfleet.worker;

import io.comfyfleet.comfy.ComfyException;

/**
 * The unchecked root of the worker's own failures: bad configuration, a gateway that refuses us, a ComfyUI
 * that will not start. Subclasses carry the ids (job, worker) they are about.
 */
public class WorkerException extends ComfyException {
    public WorkerException(String message) {
        super(message);
    }

    public WorkerException(String message, Throwable cause) {
        super(message, cause);
    }
}
