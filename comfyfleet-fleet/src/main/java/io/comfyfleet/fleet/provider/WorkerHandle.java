package io.comfyfleet.fleet.provider;

import java.util.Objects;

/**
 * A started worker's identity, as its provider hands it out.
 *
 * @param workerId  the worker id ({@code RUNPOD_POD_ID})
 * @param endpoint  the endpoint it serves
 * @param provider  the {@link WorkerProvider#name()} that started it
 * @param placement where it runs, for people: {@code "gpu 1"}, {@code "cpu"}, a pod name, ...
 * @param version   what it runs: the image reference for container and Kubernetes workers, a digest of the launch
 *                  (ComfyUI folder and arguments) for local processes; roll-outs compare it with the endpoint's
 */
public record WorkerHandle(String workerId, String endpoint, String provider, String placement, String version) {
    public WorkerHandle {
        Objects.requireNonNull(workerId, "workerId");
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(placement, "placement");
        Objects.requireNonNull(version, "version");
    }
}
