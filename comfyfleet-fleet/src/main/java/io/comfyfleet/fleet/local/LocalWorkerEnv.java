package io.comfyfleet.fleet.local;

import io.comfyfleet.fleet.provider.WorkerSpec;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The environment a RunPod worker expects (runpod/PROTOCOL.md §2.1), pointing at our gateway. {@code $ID} and
 * {@code $RUNPOD_POD_ID} stay literal: the worker substitutes them. Every template but the ping one carries a
 * query already because RunPod workers append theirs with '&amp;'. Shared by every provider that starts workers
 * (local processes, containers).
 */
public final class RunpodEnv {
    private RunpodEnv() {}

    /** @param version the worker's version, sent on every job-take ({@code &version=}) so gateways can count versions */
    static Map<String, String> of(LocalProcessConfig config, WorkerSpec spec, Slot slot, String version) {
        Map<String, String> env = new LinkedHashMap<>(config.extraEnv());
        env.putAll(forGateway(config.gatewayUrl(), config.apiKey(), config.pingInterval(), spec, version, "local"));
        env.put("COMFYFLEET_SLOT", Integer.toString(slot.index()));
        env.put("COMFYFLEET_DEVICE", slot.gpu() == null ? "cpu" : "cuda");
        if (slot.gpu() != null) {
            env.put("CUDA_VISIBLE_DEVICES", slot.gpu().toString());
        }
        return env;
    }

    /**
     * The RunPod variables and ComfyFleet's own ({@code COMFYFLEET_ENDPOINT}, {@code COMFYFLEET_WORKER_VERSION}) for
     * one worker; nothing about its slot or device.
     *
     * @param gatewayUrl   the gateway's base URL as the worker reaches it
     * @param apiKey       {@code RUNPOD_AI_API_KEY}, or null when the gateway asks workers for no key
     * @param pingInterval the heartbeat interval
     * @param version      the worker's version, sent on every job-take ({@code &version=}) so gateways can count
     *                     versions
     * @param gpu          the {@code gpu=} query value RunPod workers send (a label; the gateway ignores it)
     */
    public static Map<String, String> forGateway(URI gatewayUrl, String apiKey, Duration pingInterval,
            WorkerSpec spec, String version, String gpu) {
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
        if (apiKey != null) {
            env.put("RUNPOD_AI_API_KEY", apiKey);
        }
        env.put("COMFYFLEET_ENDPOINT", spec.endpoint());
        env.put("COMFYFLEET_WORKER_VERSION", version);
        return env;
    }
}
