package io.comfyfleet.emulator.nodes;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.util.Arrays;
import java.util.Random;

/** Small picture makers for the image nodes: solid fills, seeded gradients, previews. */
final class Pictures {
    private Pictures() {}

    /** Fills the pixel array directly, cheaper than a Graphics2D fill (which every job's EmptyImage would pay). */
    static BufferedImage solid(int width, int height, int rgb) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Arrays.fill(((DataBufferInt) image.getRaster().getDataBuffer()).getData(), rgb & 0xFFFFFF);
        return image;
    }

    /** A smooth picture that depends on the seed: fast to draw and to compress, different per seed. */
    static BufferedImage seeded(int width, int height, long seed) {
        Random random = new Random(seed);
        Color from = new Color(random.nextInt(0xFFFFFF));
        Color to = new Color(random.nextInt(0xFFFFFF));
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setPaint(new java.awt.GradientPaint(0, 0, from, width, height, to));
        g.fillRect(0, 0, width, height);
        g.dispose();
        return image;
    }

    /** A noisy thumbnail like latent2rgb's previews, at most {@code maxSide} on its longest side. */
    static BufferedImage noise(int width, int height, long seed, int maxSide) {
        double scale = Math.min(1.0, (double) maxSide / Math.max(width, height));
        int w = Math.max(1, (int) (width * scale));
        int h = Math.max(1, (int) (height * scale));
        Random random = new Random(seed);
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                image.setRGB(x, y, random.nextInt(0xFFFFFF));
            }
        }
        return image;
    }

    static BufferedImage scaled(BufferedImage source, int width, int height, boolean smooth) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, smooth
                ? RenderingHints.VALUE_INTERPOLATION_BILINEAR : RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
        g.drawImage(source, 0, 0, width, height, null);
        g.dispose();
        return image;
    }

    /** A thumbnail no larger than {@code maxSide}, as ComfyUI shrinks previews. */
    static BufferedImage thumbnail(BufferedImage source, int maxSide) {
        int longest = Math.max(source.getWidth(), source.getHeight());
        if (longest <= maxSide) {
            return source;
        }
        double scale = (double) maxSide / longest;
        return scaled(source, Math.max(1, (int) (source.getWidth() * scale)),
                Math.max(1, (int) (source.getHeight() * scale)), true);
    }
}
