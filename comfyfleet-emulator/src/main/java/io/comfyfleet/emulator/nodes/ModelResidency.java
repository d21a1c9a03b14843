package io.comfyfleet.emulator.nodes;

import java.util.HashSet;
import java.util.Set;

/**
 * Which checkpoints the emulated process has read and which one sits on the GPU, so loads, swaps and
 * first-time kernel warm-ups cost what they cost on the real machine. One GPU slot: sampling with another
 * checkpoint evicts the current one, as ComfyUI's smart memory does when the cache drops its loader.
 */
public final class ModelResidency {
    /** What sampling with a checkpoint had to do first. */
    public enum GpuLoad { NONE, FIRST_LOAD, SWAP }

    private final Set<String> everOnGpu = new HashSet<>();
    private final Set<String> encodersWarm = new HashSet<>();
    private final Set<String> shapesSeen = new HashSet<>();
    private String onGpu;

    /** Marks the checkpoint resident on the GPU and says what that cost. */
    public synchronized GpuLoad moveToGpu(String checkpoint) {
        if (checkpoint.equals(onGpu)) {
            return GpuLoad.NONE;
        }
        onGpu = checkpoint;
        return everOnGpu.add(checkpoint) ? GpuLoad.FIRST_LOAD : GpuLoad.SWAP;
    }

    /** True the first time a checkpoint's text encoder is used after it was read. */
    public synchronized boolean warmTextEncoder(String checkpoint) {
        return encodersWarm.add(checkpoint);
    }

    /** A checkpoint was (re)read from disk: its text encoder must be loaded again. */
    public synchronized void checkpointRead(String checkpoint) {
        encodersWarm.remove(checkpoint);
    }

    /** True the first time a sampling shape is seen in this process. */
    public synchronized boolean newShape(int width, int height, int batch) {
        return shapesSeen.add(width + "x" + height + "x" + batch);
    }

    /** POST /free unload_models: nothing stays on the GPU. */
    public synchronized void unloadAll() {
        onGpu = null;
        encodersWarm.clear();
    }
}
