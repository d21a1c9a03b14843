package io.comfyfleet.fleet.provider;

/**
 * One place a worker can run (a process of the local provider, a container of the container provider).
 *
 * @param index 0-based, unique within the provider
 * @param gpu   the GPU index, or null for a CPU slot
 */
public record Slot(int index, Integer gpu) {
    /** For people: {@code "gpu 1 slot 2"} or {@code "cpu slot 0"}. */
    public String placement() {
        return gpu == null ? "cpu slot " + index : "gpu " + gpu + " slot " + index;
    }

    /** The GPU index, or {@code cpu}. */
    public String gpuLabel() {
        return gpu == null ? "cpu" : gpu.toString();
    }
}
