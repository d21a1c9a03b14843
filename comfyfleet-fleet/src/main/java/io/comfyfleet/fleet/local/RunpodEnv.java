package io.comfyfleet.fleet.local;

import io.comfyfleet.fleet.provider.WorkerSpec;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The environment a RunPod worker expects (runpod/PROTOCOL.md §2.1), pointing at our gateway. {@code $ID} and
 * {@code $RUNPOD_POD_ID} stay literal: the worker substitutes them. Every template but the ping one carries a
 * query already because RunPod workers append theirs with '&amp;'.
 */
final class RunpodEnv {
    private RunpodEnv() {}

    /** @param version the worker's version, sent on every job-take ({@code &version=}) so gateways can count versions */
    static Map<String, String> of(LocalProcessConfig config, WorkerSpec spec, Slot slot, String version) {
        String base = config.gatewayUrl().toString().replaceAll("/+$", "") + "/v2/" + spec.endpoint();
        Map<String, String> env = new LinkedHashMap<>(config.extraEnv());
        env.put("RUNPOD_WEBHOOK_GET_JOB", base + "/job-take/$ID?gpu=local&version="
                + URLEncoder.encode(version, StandardCharsets.UTF_8));
        env.put("RUNPOD_WEBHOOK_POST_OUTPUT", base + "/job-done/$RUNPOD_POD_ID/$ID?gpu=local");
        env.put("RUNPOD_WEBHOOK_POST_STREAM", base + "/job-stream/$RUNPOD_POD_ID/$ID?gpu=local");
        env.put("RUNPOD_WEBHOOK_PING", base + "/ping/$RUNPOD_POD_ID");
        env.put("RUNPOD_POD_ID", spec.workerId());
        env.put("RUNPOD_PING_INTERVAL", Long.toString(config.pingInterval().toMillis()));
        // off-cloud, the Python SDK's fitness checks (a TCP probe of 8.8.8.8) would kill the worker
        env.put("RUNPOD_SKIP_AUTO_SYSTEM_CHECKS", "true");
        if (config.apiKey() != null) {
            env.put("RUNPOD_AI_API_KEY", config.apiKey());
        }
        env.put("COMFYFLEET_ENDPOINT", spec.endpoint());
        env.put("COMFYFLEET_WORKER_VERSION", version);
        env.put("COMFYFLEET_SLOT", Integer.toString(slot.index()));
        env.put("COMFYFLEET_DEVICE", slot.gpu() == null ? "cpu" : "cuda");
        if (slot.gpu() != null) {
            env.put("CUDA_VISIBLE_DEVICES", slot.gpu().toString());
        }
        return env;
    }
}
