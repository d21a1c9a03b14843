package io.comfyfleet.worker.gateway;

import io.comfyfleet.worker.WorkerException;

/** The gateway answered with a 4xx that retrying the same request will not change. */
public final class GatewayRefusedException extends WorkerException {
    private final int status;
    private final String body;

    public GatewayRefusedException(String message, int status, String body) {
        super(message);
        this.status = status;
        this.body = body;
    }

    public int status() {
        return status;
    }

    /** The start of the gateway's answer, for the log and for an error result. */
    public String body() {
        return body;
    }
}
