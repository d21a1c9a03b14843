package io.comfyfleet.gateway.admin;

import io.comfyfleet.core.ComfyFleetException;

/** An endpoint's settings kept changing under a PATCH (HTTP 409): read them again and retry. */
public final class SettingsConflictException extends ComfyFleetException {
    public SettingsConflictException(String endpoint, int attempts) {
        super("the settings of endpoint \"" + endpoint + "\" changed " + attempts + " times while this change was"
                + " applied; read them again (GET /admin/endpoints/" + endpoint + ") and retry");
    }
}
