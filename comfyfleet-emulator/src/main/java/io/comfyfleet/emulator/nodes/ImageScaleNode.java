package io.comfyfleet.emulator.nodes;

import java.awt.image.BufferedImage;
import java.util.List;

/** ImageScale: resize to width x height; 0 on one side keeps the aspect ratio, as ComfyUI does. */
final class ImageScaleNode implements NodeBehavior {
    @Override
    public NodeResult run(NodeCall call) {
        Values.Images images = call.images("image");
        int width = call.intInput("width", 512);
        int height = call.intInput("height", 512);
        if (width == 0 && height == 0) {
            return NodeResult.of(images);
        }
        if (width == 0) {
            width = Math.max(1, Math.round((float) images.width() * height / images.height()));
        } else if (height == 0) {
            height = Math.max(1, Math.round((float) images.height() * width / images.width()));
        }
        boolean smooth = !"nearest-exact".equals(call.stringInput("upscale_method", "bilinear"));
        int w = width;
        int h = height;
        List<BufferedImage> scaled = images.frames().stream().map(f -> Pictures.scaled(f, w, h, smooth)).toList();
        call.spend(call.services().timing().otherNode());
        return NodeResult.of(new Values.Images(scaled));
    }
}
