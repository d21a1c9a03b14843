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

    private boolean gpuUsed;
    private final Set<String> encodersWarm = new HashSet<>();
    private final Set<String> shapesSeen = new HashSet<>();
    private String onGpu;
    private int readCount;

    /** Marks the checkpoint resident on the GPU and says what that cost. */
    public synchronized GpuLoad moveToGpu(String checkpoint) {
        if (checkpoint.equals(onGpu)) {
            return GpuLoad.NONE;
        }
        onGpu = checkpoint;
        // the first GPU load of the process also pays CUDA and kernel initialisation (g01: 4.9 s); later
        // checkpoints, even new ones, cost a swap (g04: 0.26 s with the file in the page cache)
        boolean first = !gpuUsed;
        gpuUsed = true;
        return first ? GpuLoad.FIRST_LOAD : GpuLoad.SWAP;
    }

    /**
     * True for the first text encoding of the process: g01 spent 0.28 s there, while after a swap (g04) the
     * encoder of the new checkpoint cost no more than a warm encode.
     */
    public synchronized boolean warmTextEncoder(String checkpoint) {
        boolean first = encodersWarm.isEmpty();
        encodersWarm.add(checkpoint);
        return first;
    }

    /** A checkpoint was read from disk (kept for the record; reads cost {@code checkpointRead} in the loader). */
    public synchronized void checkpointRead(String checkpoint) {
        readCount++;
    }

    public synchronized int checkpointReads() {
        return readCount;
    }

    /** True the first time a sampling shape is seen in this process. */
    public synchronized boolean newShape(int width, int height, int batch) {
        return shapesSeen.add(width + "x" + height + "x" + batch);
    }

    /** POST /free unload_models: nothing stays on the GPU. */
    public synchronized void unloadAll() {
        onGpu = null;
    }
}
