package io.comfyfleet.core.job;

import io.comfyfleet.core.ComfyFleetException;

/**
 * The job store itself failed: the database cannot be opened, reached or migrated, a statement failed, or a
 * job id is already taken. The message says what was attempted, on which database, and what to change; the
 * cause is the driver's exception.
 */
public class JobStoreException extends ComfyFleetException {
    public JobStoreException(String message) {
        super(message);
    }

    public JobStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
