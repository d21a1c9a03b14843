package io.comfyfleet.emulator;

import java.time.Duration;

/**
 * How long emulated work takes. {@link #h100()} is calibrated on ComfyUI 0.3.64 on one H100 with an
 * SD1.5-shaped checkpoint (contracts/comfyui/README.md): start 13.7 s, cold first job 7.1 s, warm 512²
 * 20-step job 0.9-1.1 s, a checkpoint swap about +0.8 s, batch 4 1.6 s, 1024² 1.6 s: its swap is the one of
 * ComfyUI's default cache with the checkpoint files in the OS page cache (+0.69 s per job alternating two
 * checkpoints). {@link #h100NetworkVolume()} is the same GPU with the checkpoints on a network volume, where a
 * swap reads the file again. {@link #zero()} spends no time at all, for fast tests (SlowProgress still honours
 * its own {@code delay_ms}).
 *
 * <p>Sizes scale by {@code ratio = width*height*batch / 512²}.
 *
 * @param startup          process start until the port is bound
 * @param checkpointRead   a CheckpointLoaderSimple that is not cached (reads the file)
 * @param firstGpuLoad     the first sampling of the process (CUDA initialisation and the first model load)
 * @param gpuSwap          sampling with a checkpoint that is not the one on the GPU
 * @param newShapeWarmup   the first sampling of a new (width, height, batch) shape (kernel autotune)
 * @param samplerStep      one sampler step at 512², batch 1
 * @param textEncode       one CLIPTextEncode with its text encoder already on the GPU
 * @param textEncoderLoad  extra for the first CLIPTextEncode of the process
 * @param vaeDecode        VAEDecode at 512², batch 1
 * @param imageSave        encoding and writing one 512² PNG
 * @param otherNode        every other node
 * @param swapRead         extra for a swap that reads the checkpoint file from storage again (zero when the file
 *                         sits in the OS page cache)
 */
public record TimingModel(Duration startup, Duration checkpointRead, Duration firstGpuLoad, Duration gpuSwap,
        Duration newShapeWarmup, Duration samplerStep, Duration textEncode, Duration textEncoderLoad,
        Duration vaeDecode, Duration imageSave, Duration otherNode, Duration swapRead) {

    /** Numbers measured on the H100 recordings; checkpoint files in the OS page cache. */
    public static TimingModel h100() {
        return new TimingModel(ms(13_700), ms(450), ms(4_900), ms(260), ms(300), ms(42), ms(12), ms(270),
                ms(26), ms(42), ms(1), Duration.ZERO);
    }

    /**
     * The H100 with its checkpoints on a network volume that the OS page cache cannot keep them from (the
     * container's memory is too small, or there are more models than fit): every swap reads the 2.13 GB file
     * again. Calibrated from the recordings: the first job of a process reading the file from disk ({@code g01},
     * 7.07 s) against one with the file in the page cache ({@code h01}, 3.10 s) spends 3.97 s more, nearly all of
     * it in the sampler node, where ComfyUI's lazily mapped weights are read while moving to the GPU (loader
     * 0.49 / 0.40 s, sampler 5.82 / 2.31 s). So a swap costs 0.69 s + 3.97 s here, about 4.7 s. That disk is the
     * H100 box's local one; a network volume is slower still (teams report cold starts over 1 min 40 s with
     * models on one), so this is the least a network-volume swap costs, not a typical one.
     */
    public static TimingModel h100NetworkVolume() {
        return h100().withSwapRead(ms(3_970));
    }

    /** No emulated time at all. */
    public static TimingModel zero() {
        return new TimingModel(Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO,
                Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO,
                Duration.ZERO);
    }

    /** The same model with another startup delay (the {@code --startup-delay} flag). */
    public TimingModel withStartup(Duration delay) {
        return new TimingModel(delay, checkpointRead, firstGpuLoad, gpuSwap, newShapeWarmup, samplerStep,
                textEncode, textEncoderLoad, vaeDecode, imageSave, otherNode, swapRead);
    }

    /** The same model with another {@code swapRead}: where the checkpoint files live. */
    public TimingModel withSwapRead(Duration read) {
        return new TimingModel(startup, checkpointRead, firstGpuLoad, gpuSwap, newShapeWarmup, samplerStep,
                textEncode, textEncoderLoad, vaeDecode, imageSave, otherNode, read);
    }

    /** Sampler steps barely slow down with size on a large GPU (measured exponent about 0.15). */
    public Duration samplerStep(double ratio) {
        return scale(samplerStep, Math.pow(ratio, 0.15));
    }

    public Duration vaeDecode(double ratio) {
        return scale(vaeDecode, Math.pow(ratio, 0.77));
    }

    public Duration imageSave(double ratio) {
        return scale(imageSave, ratio);
    }

    public static double ratio(int width, int height, int batch) {
        return (double) width * height * batch / (512.0 * 512.0);
    }

    private static Duration scale(Duration base, double factor) {
        return Duration.ofNanos((long) (base.toNanos() * factor));
    }

    private static Duration ms(long millis) {
        return Duration.ofMillis(millis);
    }
}
