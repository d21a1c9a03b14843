package io.comfyfleet.comfy.client;

import io.comfyfleet.comfy.ComfyException;
import java.time.Duration;

/** ComfyUI accepted the connection but did not answer within the request timeout. */
public class ComfyTimeoutException extends ComfyException {
    private final String route;
    private final Duration timeout;

    public ComfyTimeoutException(String route, Duration timeout, Throwable cause) {
        super("ComfyUI did not answer " + route + " within " + timeout.toMillis()
                + " ms; raise the request timeout if the server is busy", cause);
        this.route = route;
        this.timeout = timeout;
    }

    /** The call that got no answer, e.g. {@code POST /prompt}. */
    public String route() {
        return route;
    }

    public Duration timeout() {
        return timeout;
    }
}
