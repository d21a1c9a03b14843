package io.comfyfleet.fleet.local;

import io.comfyfleet.fleet.provider.RunpodWorkerEnv;
import io.comfyfleet.fleet.provider.Slot;
import io.comfyfleet.fleet.provider.WorkerSpec;
import java.util.LinkedHashMap;
import java.util.Map;

/** A local worker process's environment: the RunPod variables ({@link RunpodWorkerEnv}) plus its slot and device. */
final class LocalWorkerEnv {
    private LocalWorkerEnv() {}

    /** @param version the worker's version, sent on every job-take ({@code &version=}) so gateways can count versions */
    static Map<String, String> of(LocalProcessConfig config, WorkerSpec spec, Slot slot, String version) {
        Map<String, String> env = new LinkedHashMap<>(config.extraEnv());
        env.putAll(RunpodWorkerEnv.withKey(config.gatewayUrl(), config.apiKey(), spec, "local", version,
                config.pingInterval()));
        env.put("COMFYFLEET_SLOT", Integer.toString(slot.index()));
        env.put("COMFYFLEET_DEVICE", slot.gpu() == null ? "cpu" : "cuda");
        if (slot.gpu() != null) {
            env.put("CUDA_VISIBLE_DEVICES", slot.gpu().toString());
        }
        return env;
    }
}
