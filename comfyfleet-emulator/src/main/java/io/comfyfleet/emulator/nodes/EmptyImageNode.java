package io.comfyfleet.emulator.nodes;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/** EmptyImage: a batch of solid pictures of the requested size and 0xRRGGBB colour. */
final class EmptyImageNode implements NodeBehavior {
    @Override
    public NodeResult run(NodeCall call) {
        int width = call.intInput("width", 512);
        int height = call.intInput("height", 512);
        int batch = call.intInput("batch_size", 1);
        BufferedImage picture = Pictures.solid(width, height, call.intInput("color", 0));
        List<BufferedImage> frames = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            frames.add(picture);
        }
        call.spend(call.services().timing().otherNode());
        return NodeResult.of(new Values.Images(frames));
    }
}
