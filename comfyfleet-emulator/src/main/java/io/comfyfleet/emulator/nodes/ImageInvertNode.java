package io.comfyfleet.emulator.nodes;

import java.awt.image.BufferedImage;
import java.util.List;

/** ImageInvert: 1 - pixel, per channel. */
final class ImageInvertNode implements NodeBehavior {
    @Override
    public NodeResult run(NodeCall call) {
        List<BufferedImage> inverted = call.images("image").frames().stream().map(ImageInvertNode::invert).toList();
        call.spend(call.services().timing().otherNode());
        return NodeResult.of(new Values.Images(inverted));
    }

    private static BufferedImage invert(BufferedImage source) {
        BufferedImage out = new BufferedImage(source.getWidth(), source.getHeight(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < source.getHeight(); y++) {
            for (int x = 0; x < source.getWidth(); x++) {
                out.setRGB(x, y, ~source.getRGB(x, y) & 0xFFFFFF);
            }
        }
        return out;
    }
}
