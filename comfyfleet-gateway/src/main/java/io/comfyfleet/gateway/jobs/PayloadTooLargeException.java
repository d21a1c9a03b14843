package io.comfyfleet.gateway.jobs;

import io.comfyfleet.core.ComfyFleetException;

/** A request body or upload is larger than the configured limit (HTTP 413). */
public final class PayloadTooLargeException extends ComfyFleetException {
    private final long limit;

    public PayloadTooLargeException(String what, long limit) {
        super(what + " is larger than the limit of " + limit + " bytes");
        this.limit = limit;
    }

    /** @param consequence what the gateway did about it, appended to the message */
    public PayloadTooLargeException(String what, long limit, String consequence) {
        super(what + " is larger than the limit of " + limit + " bytes; " + consequence);
        this.limit = limit;
    }

    public long limit() {
        return limit;
    }
}
