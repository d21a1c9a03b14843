package io.comfyfleet.gateway.auth;

import io.comfyfleet.gateway.config.ApiKeys;

/**
 * Decides who may call the admin API: only a holder of an admin key ({@code server.adminKey}). Client and worker
 * keys never open it, and an admin key opens neither the client nor the worker API (the configuration refuses an
 * admin key that is also a client or worker key). With no admin key configured every admin call gets 401.
 */
public final class AdminAccess {
    private final ApiKeys keys;

    public AdminAccess(ApiKeys keys) {
        this.keys = keys;
    }

    /** @throws UnauthorizedException unless {@code authorization} carries an admin key, raw or after Bearer */
    public void authorize(String authorization) {
        if (!keys.accepts(Access.stripBearer(authorization))) {
            throw new UnauthorizedException();
        }
    }

    /** Whether any admin key is configured. */
    public boolean enabled() {
        return keys.size() > 0;
    }
}
