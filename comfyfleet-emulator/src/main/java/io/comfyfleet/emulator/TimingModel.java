package io.comfyfleet.emulator;

import java.time.Duration;

/**
 * How long emulated work takes. {@link #h100()} is calibrated on ComfyUI 0.3.64 on one H100 with an
 * SD1.5-shaped checkpoint (contracts/comfyui/README.md): start 13.7 s, cold first job 7.1 s, warm 512²
 * 20-step job 0.9-1.1 s, a checkpoint swap about +0.8 s, batch 4 1.6 s, 1024² 1.6 s. {@link #zero()}
 * spends no time at all, for fast tests (SlowProgress still honours its own {@code delay_ms}).
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
 */
public record TimingModel(Duration startup, Duration checkpointRead, Duration firstGpuLoad, Duration gpuSwap,
        Duration newShapeWarmup, Duration samplerStep, Duration textEncode, Duration textEncoderLoad,
        Duration vaeDecode, Duration imageSave, Duration otherNode) {

    /** Numbers measured on the H100 recordings. */
    public static TimingModel h100() {
        return new TimingModel(ms(13_700), ms(450), ms(4_900), ms(260), ms(300), ms(42), ms(12), ms(270),
                ms(26), ms(42), ms(1));
    }

    /** No emulated time at all. */
    public static TimingModel zero() {
        return new TimingModel(Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO,
                Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO);
    }

    /** The same model with another startup delay (the {@code --startup-delay} flag). */
    public TimingModel withStartup(Duration delay) {
        return new TimingModel(delay, checkpointRead, firstGpuLoad, gpuSwap, newShapeWarmup, samplerStep,
                textEncode, textEncoderLoad, vaeDecode, imageSave, otherNode);
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
