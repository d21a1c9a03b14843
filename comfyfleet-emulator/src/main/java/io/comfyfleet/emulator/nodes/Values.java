package io.comfyfleet.emulator.nodes;

import java.awt.image.BufferedImage;
import java.util.List;

/** The values that flow along links between emulated nodes, one record per ComfyUI type family. */
public final class Values {
    private Values() {}

    /** ComfyUI {@code IMAGE}: a batch of pictures of one size. */
    public record Images(List<BufferedImage> frames) {
        public Images {
            if (frames.isEmpty()) {
                throw new NodeFailure("RuntimeError", "an IMAGE batch needs at least one picture");
            }
            frames = List.copyOf(frames);
        }

        public int width() {
            return frames.getFirst().getWidth();
        }

        public int height() {
            return frames.getFirst().getHeight();
        }

        @Override
        public String toString() {
            return "tensor(shape=[" + frames.size() + ", " + height() + ", " + width() + ", 3])";
        }
    }

    /** ComfyUI {@code LATENT}: only its pixel size, batch and the seed that sampled it matter here. */
    public record Latent(int width, int height, int batchSize, long seed) {
        @Override
        public String toString() {
            return "{'samples': tensor(shape=[" + batchSize + ", 4, " + height / 8 + ", " + width / 8 + "])}";
        }
    }

    /** A loaded model part ({@code MODEL}, {@code CLIP}, {@code VAE}) of one checkpoint. */
    public record Model(String checkpoint, String kind) {
        @Override
        public String toString() {
            return "<" + kind + " " + checkpoint + ">";
        }
    }

    /** ComfyUI {@code CONDITIONING} from a text prompt. */
    public record Conditioning(String text) {}

    /** ComfyUI {@code AUDIO}: a mono 16-bit clip described by its length. */
    public record Audio(int sampleRate, double seconds) {}

    /** Any other catalogue type: the generic node passes it along untouched. */
    public record Opaque(String type) {
        @Override
        public String toString() {
            return "<" + type + ">";
        }
    }
}
