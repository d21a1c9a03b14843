package io.comfyfleet.fleet.local;

import io.comfyfleet.fleet.provider.RunpodWorkerEnv;
import io.comfyfleet.fleet.provider.WorkerSpec;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A local worker's environment: the RunPod variables every provider sets ({@link RunpodWorkerEnv}), the key as a
 * value, and its slot (GPU share or CPU).
 */
final class RunpodEnv {
    private RunpodEnv() {}

    /** @param version the worker's version, sent on every job-take ({@code &version=}) so gateways can count versions */
    static Map<String, String> of(LocalProcessConfig config, WorkerSpec spec, Slot slot, String version) {
        Map<String, String> env = new LinkedHashMap<>(config.extraEnv());
        env.putAll(RunpodWorkerEnv.of(config.gatewayUrl(), spec, "local", version, config.pingInterval()));
        if (config.apiKey() != null) {
            env.put("RUNPOD_AI_API_KEY", config.apiKey());
        }
        env.put("COMFYFLEET_SLOT", Integer.toString(slot.index()));
        env.put("COMFYFLEET_DEVICE", slot.gpu() == null ? "cpu" : "cuda");
        if (slot.gpu() != null) {
            env.put("CUDA_VISIBLE_DEVICES", slot.gpu().toString());
        }
        return env;
    }
}
