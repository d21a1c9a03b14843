package io.comfyfleet.emulator.nodes;

import io.comfyfleet.emulator.files.FileStore;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import tools.jackson.databind.JsonNode;

/**
 * LoadImage: reads the real file from the input folder. A file that is not a picture fails at run time
 * with PIL's error, as in the recorded {@code err_runtime_corrupt_image}.
 */
final class LoadImageNode implements NodeBehavior {
    @Override
    public NodeResult run(NodeCall call) {
        String value = call.stringInput("image", "");
        Path file = call.services().files().loadable(value).orElseThrow(() -> new NodeFailure("FileNotFoundError",
                "[Errno 2] No such file or directory: '" + value + "'"));
        BufferedImage picture;
        try {
            picture = ImageIO.read(file.toFile());
        } catch (IOException e) {
            picture = null;
        }
        if (picture == null) {
            throw new NodeFailure("PIL.UnidentifiedImageError", "cannot identify image file '" + file + "'");
        }
        call.spend(call.services().timing().otherNode());
        return NodeResult.of(new Values.Images(List.of(picture)), new Values.Opaque("MASK"));
    }

    /** ComfyUI hashes the file (IS_CHANGED), so a re-uploaded picture under the same name runs again. */
    @Override
    public String changeToken(JsonNode inputs, FileStore files) {
        JsonNode image = inputs.get("image");
        if (image == null || !image.isString()) {
            return "";
        }
        return files.loadable(image.asString()).map(path -> {
            try {
                return FileStore.sha256(Files.readAllBytes(path));
            } catch (IOException e) {
                return "unreadable";
            }
        }).orElse("missing");
    }
}
