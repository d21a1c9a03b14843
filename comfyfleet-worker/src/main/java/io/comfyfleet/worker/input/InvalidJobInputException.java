package io.comfyfleet.worker.input;

import io.comfyfleet.worker.WorkerException;

/** The job's input is not something this worker can run; the message says what to change. */
public final class InvalidJobInputException extends WorkerException {
    public InvalidJobInputException(String message) {
        super(message);
    }

    public InvalidJobInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
