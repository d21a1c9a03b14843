package io.comfyfleet.comfy.client.run;

import io.comfyfleet.comfy.ComfyException;
import java.time.Duration;

/** A prompt did not end within {@link RunOptions#timeout()}; it was interrupted or dequeued if so configured. */
public class RunTimeoutException extends ComfyException {
    private final String promptId;
    private final Duration timeout;

    public RunTimeoutException(String promptId, Duration timeout, String lastSeen, boolean cancelled) {
        super("prompt " + promptId + " did not finish within " + timeout.toMillis() + " ms (last seen: " + lastSeen
                + "); " + (cancelled ? "it was interrupted/dequeued" : "it was left running"));
        this.promptId = promptId;
        this.timeout = timeout;
    }

    public String promptId() {
        return promptId;
    }

    public Duration timeout() {
        return timeout;
    }
}
