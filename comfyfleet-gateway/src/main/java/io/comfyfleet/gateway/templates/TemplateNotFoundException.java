package io.comfyfleet.gateway.templates;

import io.comfyfleet.core.ComfyFleetException;

/** The endpoint has no template of this name (HTTP 404 on the admin API). */
public final class TemplateNotFoundException extends ComfyFleetException {
    private final String endpoint;
    private final String template;

    TemplateNotFoundException(String endpoint, String template) {
        super("endpoint " + endpoint + " has no template named \"" + Texts.abbreviate(template) + "\"");
        this.endpoint = endpoint;
        this.template = template;
    }

    public String endpoint() {
        return endpoint;
    }

    public String template() {
        return template;
    }
}
