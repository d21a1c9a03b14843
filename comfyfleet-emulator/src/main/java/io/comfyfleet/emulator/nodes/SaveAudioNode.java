package io.comfyfleet.emulator.nodes;

import io.comfyfleet.common.json.Json;
import io.comfyfleet.emulator.files.FolderType;
import io.comfyfleet.emulator.files.OutputFile;
import io.comfyfleet.emulator.files.SaveError;
import java.util.List;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * SaveAudio ({@code audio/ComfyUI_00001_.flac} in output) and PreviewAudio (temp): a real FLAC file of the
 * clip's length (a quiet 440 Hz tone), UI output {@code {"audio": [{filename, subfolder, type}]}}.
 */
final class SaveAudioNode implements NodeBehavior {
    private final FolderType folder;

    private SaveAudioNode(FolderType folder) {
        this.folder = folder;
    }

    static SaveAudioNode save() {
        return new SaveAudioNode(FolderType.OUTPUT);
    }

    static SaveAudioNode preview() {
        return new SaveAudioNode(FolderType.TEMP);
    }

    @Override
    public NodeResult run(NodeCall call) {
        Values.Audio audio = call.typed("audio", Values.Audio.class);
        int count = (int) Math.max(1, Math.round(audio.sampleRate() * audio.seconds()));
        short[] samples = new short[count];
        for (int i = 0; i < count; i++) {
            samples[i] = (short) (3000 * Math.sin(2 * Math.PI * 440 * i / audio.sampleRate()));
        }
        String prefix = folder == FolderType.OUTPUT ? call.stringInput("filename_prefix", "audio/ComfyUI")
                : SaveImagesNode.tempPrefix();
        call.spend(call.services().timing().otherNode());
        try {
            List<OutputFile> files = call.services().files().save(folder, prefix, "flac", List.of(Flac.encode(samples, audio.sampleRate())));
            ObjectNode ui = Json.MAPPER.createObjectNode();
            ArrayNode list = ui.putArray("audio");
            files.forEach(f -> list.addObject().put("filename", f.filename()).put("subfolder", f.subfolder()).put("type", f.type()));
            return NodeResult.ui(ui);
        } catch (SaveError e) {
            throw new NodeFailure(e.pythonType(), e.getMessage());
        }
    }
}
