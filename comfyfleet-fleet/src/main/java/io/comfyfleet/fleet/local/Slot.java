package io.comfyfleet.fleet.local;

/**
 * One place a local worker can run.
 *
 * @param index 0-based, unique within the provider
 * @param gpu   the GPU index, or null for a CPU slot
 */
record Slot(int index, Integer gpu) {
    String placement() {
        return gpu == null ? "cpu slot " + index : "gpu " + gpu + " slot " + index;
    }

    String gpuLabel() {
        return gpu == null ? "cpu" : gpu.toString();
    }
}
