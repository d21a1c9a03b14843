package io.comfyfleet.emulator.nodes;

import io.comfyfleet.emulator.files.ImageCodec;
import java.awt.image.BufferedImage;

/**
 * The picture a node previews at each of its steps, with its JPEG encoded at most once: the emulated nodes show
 * the same picture at every step, so one encoding per node run serves all its preview frames (ComfyUI sends a
 * JPEG per step; the bytes are what they would be if encoded again, since the encoder is deterministic).
 */
public final class PreviewPicture {
    /** ComfyUI's latent previews are JPEGs at quality 95. */
    private static final float QUALITY = 0.95f;

    private final BufferedImage image;
    private byte[] jpeg;

    public PreviewPicture(BufferedImage image) {
        this.image = image;
    }

    /** The JPEG bytes, encoded on first use; callers must not modify the array. */
    public synchronized byte[] jpeg() {
        if (jpeg == null) {
            jpeg = ImageCodec.jpeg(image, QUALITY);
        }
        return jpeg;
    }
}
