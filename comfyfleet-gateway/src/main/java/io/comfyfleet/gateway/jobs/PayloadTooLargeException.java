package io.comfyfleet.gateway.jobs;

import io.comfyfleet.core.ComfyFleetException;

/** A request body or upload is larger than the configured limit (HTTP 413). */
public final class PayloadTooLargeException extends ComfyFleetException {
    private final long limit;

    public PayloadTooLargeException(String what, long limit) {
        super(what + " is larger than the limit of " + limit + " bytes");
        this.limit = limit;
    }

    public long limit() {
        return limit;
    }
}
