package io.comfyfleet.emulator.nodes;

import io.comfyfleet.emulator.TimingModel;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/** VAEDecode: one picture per latent in the batch, at the latent's pixel size, drawn from the seed. */
final class VaeDecodeNode implements NodeBehavior {
    @Override
    public NodeResult run(NodeCall call) {
        Values.Latent latent = call.typed("samples", Values.Latent.class);
        call.spend(call.services().timing().vaeDecode(TimingModel.ratio(latent.width(), latent.height(), latent.batchSize())));
        List<BufferedImage> frames = new ArrayList<>();
        for (int i = 0; i < latent.batchSize(); i++) {
            frames.add(Pictures.seeded(latent.width(), latent.height(), latent.seed() + i));
        }
        return NodeResult.of(new Values.Images(frames));
    }
}
