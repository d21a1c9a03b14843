package io.comfyfleet.emulator.http;

import io.comfyfleet.emulator.files.FileStore;
import io.comfyfleet.emulator.files.ImageCodec;
import io.comfyfleet.emulator.files.UploadAnswer;
import io.comfyfleet.emulator.files.ViewAnswer;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Map;
import javax.imageio.ImageIO;
import tools.jackson.databind.node.ObjectNode;

/** ComfyUI's /upload/mask: the uploaded picture's alpha channel replaces the original picture's alpha. */
final class MaskUpload {
    private MaskUpload() {}

    static UploadAnswer apply(FileStore files, byte[] maskBytes, ObjectNode ref, String filename, String subfolder,
            String type, boolean overwrite) throws IOException {
        ViewAnswer original = files.view(ref.path("filename").asString(null),
                ref.path("subfolder").asString("").isEmpty() ? null : ref.path("subfolder").asString(),
                ref.path("type").asString("output"));
        if (original.status() == 400 || original.status() == 403) {
            return new UploadAnswer(original.status(), null, null, null);
        }
        byte[] result = maskBytes;
        if (original.status() == 200) {
            BufferedImage base = ImageIO.read(original.file().toFile());
            BufferedImage mask = ImageIO.read(new ByteArrayInputStream(maskBytes));
            if (base != null && mask != null) {
                result = ImageCodec.png(withAlpha(base, mask), Map.of());
            }
        }
        return files.upload(result, filename, subfolder, type, overwrite);
    }

    private static BufferedImage withAlpha(BufferedImage base, BufferedImage mask) {
        int w = base.getWidth();
        int h = base.getHeight();
        BufferedImage scaledMask = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = scaledMask.createGraphics();
        g.drawImage(mask, 0, 0, w, h, null);
        g.dispose();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int alpha = scaledMask.getRGB(x, y) & 0xFF000000;
                out.setRGB(x, y, (base.getRGB(x, y) & 0x00FFFFFF) | alpha);
            }
        }
        return out;
    }
}
