package io.comfyfleet.gateway.jobs;

import io.comfyfleet.core.ComfyFleetException;

/**
 * A {@code /run} or {@code /runsync} carried an idempotency key that already names another request's job (HTTP
 * 409): a key stands for one request; a new job needs a new key.
 */
public final class IdempotencyKeyReusedException extends ComfyFleetException {
    public IdempotencyKeyReusedException(String message) {
        super(message);
    }
}
