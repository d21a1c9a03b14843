package io.comfyfleet.gateway.auth;

import io.comfyfleet.core.ComfyFleetException;

/** No valid key for this endpoint and side (HTTP 401; the answer carries no detail). */
public final class UnauthorizedException extends ComfyFleetException {
    public UnauthorizedException() {
        super("unauthorized");
    }
}
