package io.comfyfleet.emulator.nodes;

import io.comfyfleet.emulator.TimingModel;
import io.comfyfleet.emulator.files.FolderType;
import io.comfyfleet.emulator.files.OutputFile;
import io.comfyfleet.emulator.files.SaveError;
import java.util.List;
import tools.jackson.databind.node.ObjectNode;

/**
 * SaveAnimatedPNG: the whole IMAGE batch as one real APNG ({@code <prefix>_00001_.png}); the UI output is
 * {@code {"images":[...], "animated":[true]}}, ComfyUI's shape for animations and videos.
 */
final class SaveAnimatedPngNode implements NodeBehavior {
    @Override
    public NodeResult run(NodeCall call) {
        Values.Images images = call.images("images");
        byte[] apng = AnimatedPng.encode(images.frames(), call.doubleInput("fps", 6.0), SaveImagesNode.metadata(call));
        call.spend(call.services().timing().imageSave(TimingModel.ratio(images.width(), images.height(), images.frames().size())));
        try {
            // false: ComfyUI's SaveAnimatedPNG keeps %batch_num% in the name as written
            List<OutputFile> files = call.services().files().save(FolderType.OUTPUT,
                    call.stringInput("filename_prefix", "ComfyUI"), images.width(), images.height(),
                    false, "png", List.of(apng));
            ObjectNode ui = SaveImagesNode.uiImages(files);
            ui.putArray("animated").add(true);
            return NodeResult.ui(ui);
        } catch (SaveError e) {
            throw new NodeFailure(e.pythonType(), e.getMessage());
        }
    }
}
