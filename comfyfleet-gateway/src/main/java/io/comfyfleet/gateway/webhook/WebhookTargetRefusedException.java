package io.comfyfleet.gateway.webhook;

import io.comfyfleet.core.ComfyFleetException;

/**
 * A webhook URL the gateway will not call: not http(s), or its host is (or resolves to) an internal address
 * while {@code webhooks.allowPrivateTargets} is off. The message says what to change (HTTP 400 on /run).
 */
public final class WebhookTargetRefusedException extends ComfyFleetException {
    public WebhookTargetRefusedException(String message) {
        super(message);
    }
}
