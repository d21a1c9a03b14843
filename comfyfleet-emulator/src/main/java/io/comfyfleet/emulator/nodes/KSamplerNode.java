package io.comfyfleet.emulator.nodes;

import io.comfyfleet.emulator.TimingModel;
import java.time.Duration;

/**
 * KSampler: moves its checkpoint to the GPU (first load or swap cost), then runs {@code steps} steps, each
 * reported through the progress hook (which is where interrupts land) with a latent preview when
 * previews are on.
 */
final class KSamplerNode implements NodeBehavior {
    @Override
    public NodeResult run(NodeCall call) {
        Values.Model model = call.typed("model", Values.Model.class);
        Values.Latent latent = call.typed("latent_image", Values.Latent.class);
        TimingModel timing = call.services().timing();
        ModelResidency models = call.services().models();
        switch (models.moveToGpu(model.checkpoint())) {
            case FIRST_LOAD -> call.spend(timing.firstGpuLoad());
            case SWAP -> call.spend(timing.gpuSwap().plus(timing.swapRead()));
            case NONE -> { }
        }
        if (models.newShape(latent.width(), latent.height(), latent.batchSize())) {
            call.spend(timing.newShapeWarmup());
        }
        long seed = call.longInput("seed", 0);
        int steps = call.intInput("steps", 20);
        Duration step = timing.samplerStep(TimingModel.ratio(latent.width(), latent.height(), latent.batchSize()));
        PreviewPicture preview = call.services().previews()
                ? new PreviewPicture(Pictures.noise(latent.width(), latent.height(), seed, 128)) : null;
        for (int i = 1; i <= steps; i++) {
            call.spend(step);
            call.progress(i, steps, preview);
        }
        return NodeResult.of(new Values.Latent(latent.width(), latent.height(), latent.batchSize(), seed));
    }
}
