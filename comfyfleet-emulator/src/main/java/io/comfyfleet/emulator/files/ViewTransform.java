package io.comfyfleet.emulator.files;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import javax.imageio.ImageIO;

/**
 * GET /view's re-encodings: {@code preview=jpeg;85} (and {@code webp}, which javax.imageio cannot write, so
 * the emulator answers JPEG there too), {@code channel=rgb} (RGB PNG) and {@code channel=a} (the alpha
 * channel as an RGBA PNG, opaque when the file has none).
 */
public final class ViewTransform {
    /** Re-encoded bytes and their content type. */
    public record Encoded(byte[] bytes, String contentType) {}

    private ViewTransform() {}

    /** Empty when the raw file should be served; throws when the file is not a picture (ComfyUI: 500). */
    public static Optional<Encoded> apply(Path file, String preview, String channel) throws IOException {
        if (preview == null && (channel == null || channel.equals("rgba"))) {
            return Optional.empty();
        }
        BufferedImage image = ImageIO.read(file.toFile());
        if (image == null) {
            throw new IOException("cannot identify image file '" + file + "'");
        }
        if (preview != null) {
            String[] parts = preview.split(";");
            float quality = parts[parts.length - 1].matches("\\d+") ? Integer.parseInt(parts[parts.length - 1]) / 100f : 0.9f;
            return Optional.of(new Encoded(ImageCodec.jpeg(image, Math.min(1f, quality)), "image/jpeg"));
        }
        if (channel.equals("rgb")) {
            return Optional.of(new Encoded(ImageCodec.png(ImageCodec.toRgb(image), Map.of()), "image/png"));
        }
        if (channel.equals("a")) {
            BufferedImage alpha = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_ARGB);
            boolean hasAlpha = image.getColorModel().hasAlpha();
            for (int y = 0; y < image.getHeight(); y++) {
                for (int x = 0; x < image.getWidth(); x++) {
                    int a = hasAlpha ? image.getRGB(x, y) >>> 24 : 0xFF;
                    alpha.setRGB(x, y, a << 24);
                }
            }
            return Optional.of(new Encoded(ImageCodec.png(alpha, Map.of()), "image/png"));
        }
        return Optional.empty();
    }
}
