package io.comfyfleet.emulator.nodes;

import java.awt.image.BufferedImage;
import java.util.List;

/**
 * ImageInvert: 1 - pixel, per channel, in ComfyUI's float32 arithmetic. ComfyUI holds a channel as
 * {@code v / 255} in float32, inverts it as {@code 1 - x} and saves {@code uint8(255 * x)}, which truncates: an
 * 8-bit 200 comes back as 54, not 55, and so do 158 others of the 256 values (254 gives 0). Measured on the real
 * ComfyUI 0.3.64 ({@code RealComfyEndToEndTest}); the plain {@code 255 - v} this emulator used before was wrong.
 */
final class ImageInvertNode implements NodeBehavior {
    /** The saved 8-bit value of each inverted 8-bit value. */
    private static final int[] INVERTED = new int[256];

    static {
        for (int v = 0; v < 256; v++) {
            float inverted = 1.0f - v / 255.0f;
            INVERTED[v] = Math.clamp((int) (255.0f * inverted), 0, 255);
        }
    }

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
                int rgb = source.getRGB(x, y);
                out.setRGB(x, y, INVERTED[(rgb >> 16) & 0xFF] << 16 | INVERTED[(rgb >> 8) & 0xFF] << 8
                        | INVERTED[rgb & 0xFF]);
            }
        }
        return out;
    }
}
