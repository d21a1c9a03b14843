package io.comfyfleet.emulator.nodes;

import io.comfyfleet.common.json.Json;
import io.comfyfleet.emulator.TimingModel;
import io.comfyfleet.emulator.files.FolderType;
import io.comfyfleet.emulator.files.ImageCodec;
import io.comfyfleet.emulator.files.OutputFile;
import io.comfyfleet.emulator.files.SaveError;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * SaveImage (to output, {@code <prefix>_00001_.png}) and PreviewImage (to temp, prefix
 * {@code ComfyUI_temp_<5 letters>_}): real PNGs with the {@code prompt} and {@code extra_pnginfo} text chunks.
 */
final class SaveImagesNode implements NodeBehavior {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final FolderType folder;

    private SaveImagesNode(FolderType folder) {
        this.folder = folder;
    }

    static SaveImagesNode save() {
        return new SaveImagesNode(FolderType.OUTPUT);
    }

    static SaveImagesNode preview() {
        return new SaveImagesNode(FolderType.TEMP);
    }

    @Override
    public NodeResult run(NodeCall call) {
        Values.Images images = call.images("images");
        String prefix = folder == FolderType.OUTPUT ? call.stringInput("filename_prefix", "ComfyUI") : tempPrefix();
        long started = System.nanoTime();
        Map<String, String> text = metadata(call);
        List<byte[]> pngs = images.frames().stream().map(f -> ImageCodec.png(f, text)).toList();
        try {
            List<OutputFile> files = call.services().files().save(folder, prefix, images.width(), images.height(), true, "png", pngs);
            // real encoding time counts towards the modelled time instead of adding to it
            call.spend(call.services().timing().imageSave(TimingModel.ratio(images.width(), images.height(), pngs.size()))
                    .minusNanos(System.nanoTime() - started));
            return NodeResult.ui(uiImages(files));
        } catch (SaveError e) {
            throw new NodeFailure(e.pythonType(), e.getMessage());
        }
    }

    static ObjectNode uiImages(List<OutputFile> files) {
        ObjectNode ui = Json.MAPPER.createObjectNode();
        ArrayNode list = ui.putArray("images");
        files.forEach(f -> list.addObject().put("filename", f.filename()).put("subfolder", f.subfolder()).put("type", f.type()));
        return ui;
    }

    static Map<String, String> metadata(NodeCall call) {
        Map<String, String> text = new LinkedHashMap<>();
        text.put("prompt", Json.MAPPER.writeValueAsString(call.prompt()));
        JsonNode extra = call.extraPngInfo();
        if (extra != null && extra.isObject()) {
            extra.properties().forEach(e -> text.put(e.getKey(), Json.MAPPER.writeValueAsString(e.getValue())));
        }
        return text;
    }

    /** ComfyUI's preview prefix: {@code ComfyUI_temp_} and five random lowercase letters. */
    static String tempPrefix() {
        StringBuilder letters = new StringBuilder("ComfyUI_temp_");
        for (int i = 0; i < 5; i++) {
            letters.append((char) ('a' + RANDOM.nextInt(26)));
        }
        return letters.toString();
    }

}
