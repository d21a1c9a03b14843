package io.comfyfleet.fleet.provider;

import java.time.Duration;
import java.util.Map;

/**
 * How long a worker that a container or Kubernetes provider started waits for a gateway that does not answer
 * before it stops itself ({@code comfyfleet worker --gateway-silence-limit}, read from {@link #VARIABLE}). Such a
 * worker reports to its gateway only; after a {@code kill -9} of an {@code up} that never comes back, it would
 * otherwise hold its GPU for as long as the container or pod runs. (Local workers have {@code --exit-with-pid}.)
 *
 * <p>Five minutes: a gateway restart (seconds for {@code up}, a minute or two for a rescheduled gateway pod
 * pulling its image) and a leader change behind one address (the control lease, 5 s by default) both fit well
 * within it, and a GPU then bills at most five idle minutes. A worker a user starts by hand on RunPod gets no
 * such variable and waits for its gateway as before.
 */
public final class GatewaySilenceLimit {
    /** The worker's environment variable, in whole seconds. */
    public static final String VARIABLE = "COMFYFLEET_GATEWAY_SILENCE_LIMIT";
    public static final Duration DEFAULT = Duration.ofMinutes(5);

    private GatewaySilenceLimit() {}

    /**
     * Puts the default limit into a worker's environment; call before the user's own variables go in, so a
     * deployment can set its own (a longer one for a gateway known to be slow to come back).
     */
    public static void putDefault(Map<String, String> env) {
        env.put(VARIABLE, Long.toString(DEFAULT.toSeconds()));
    }
}
