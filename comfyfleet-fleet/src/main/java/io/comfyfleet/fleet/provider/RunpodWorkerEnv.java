package io.comfyfleet.fleet.provider;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The environment every RunPod worker expects (runpod/PROTOCOL.md §2.1), pointing at our gateway, whatever runs the
 * worker (a local process, a container, a pod): every provider builds its workers' environment from this one class.
 * {@code $ID} and {@code $RUNPOD_POD_ID} stay literal: the worker substitutes them. Every template but the ping one
 * carries a query already because RunPod workers append theirs with '&amp;'. Nothing about a slot or device is here:
 * that is each provider's own.
 */
public final class RunpodWorkerEnv {
    private RunpodWorkerEnv() {}

    /**
     * The variables without the worker key, for a provider that hands the key over its own way (a Kubernetes Secret).
     *
     * @param gatewayUrl   the gateway's base URL as the worker reaches it
     * @param spec         the worker
     * @param gpu          the {@code gpu=} query value the worker reports (RunPod sends its GPU type there; the
     *                     gateway ignores it)
     * @param version      the worker's version, sent on every job-take ({@code &version=}) so gateways can count
     *                     versions, and as {@code COMFYFLEET_WORKER_VERSION}
     * @param pingInterval how often it pings
     * @return the variables, in a stable order
     */
    public static Map<String, String> of(URI gatewayUrl, WorkerSpec spec, String gpu, String version,
            Duration pingInterval) {
        String base = gatewayUrl.toString().replaceAll("/+$", "") + "/v2/" + spec.endpoint();
        String gpuQuery = "?gpu=" + URLEncoder.encode(gpu, StandardCharsets.UTF_8);
        Map<String, String> env = new LinkedHashMap<>();
        env.put("RUNPOD_WEBHOOK_GET_JOB", base + "/job-take/$ID" + gpuQuery + "&version="
                + URLEncoder.encode(version, StandardCharsets.UTF_8));
        env.put("RUNPOD_WEBHOOK_POST_OUTPUT", base + "/job-done/$RUNPOD_POD_ID/$ID" + gpuQuery);
        env.put("RUNPOD_WEBHOOK_POST_STREAM", base + "/job-stream/$RUNPOD_POD_ID/$ID" + gpuQuery);
        env.put("RUNPOD_WEBHOOK_PING", base + "/ping/$RUNPOD_POD_ID");
        env.put("RUNPOD_POD_ID", spec.workerId());
        env.put("RUNPOD_PING_INTERVAL", Long.toString(pingInterval.toMillis()));
        // off-cloud, the Python SDK's fitness checks (a TCP probe of 8.8.8.8) would kill the worker
        env.put("RUNPOD_SKIP_AUTO_SYSTEM_CHECKS", "true");
        env.put("COMFYFLEET_ENDPOINT", spec.endpoint());
        env.put("COMFYFLEET_WORKER_VERSION", version);
        return env;
    }

    /**
     * As {@link #of(URI, WorkerSpec, String, String, Duration)}, with the worker key as a plain variable
     * ({@code RUNPOD_AI_API_KEY}) for providers that pass values (local processes, containers).
     *
     * @param apiKey the worker key, or null when the gateway asks workers for none
     */
    public static Map<String, String> withKey(URI gatewayUrl, String apiKey, WorkerSpec spec, String gpu,
            String version, Duration pingInterval) {
        Map<String, String> env = of(gatewayUrl, spec, gpu, version, pingInterval);
        if (apiKey != null) {
            env.put("RUNPOD_AI_API_KEY", apiKey);
        }
        return env;
    }
}
