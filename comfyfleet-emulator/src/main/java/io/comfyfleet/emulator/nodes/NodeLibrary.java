package io.comfyfleet.emulator.nodes;

import java.util.Map;

/**
 * Which behaviour runs for a class_type: the nodes the recordings use have faithful emulations, plus
 * SaveAnimatedPNG (animation output), PreviewAny (text output), SaveAudio and PreviewAudio (FLAC), the primitives
 * (their value); every other catalogue node is generic.
 */
public final class NodeLibrary {
    private static final NodeBehavior GENERIC = new GenericNode();
    private final Map<String, NodeBehavior> behaviours;

    private NodeLibrary(Map<String, NodeBehavior> behaviours) {
        this.behaviours = behaviours;
    }

    public static NodeLibrary standard() {
        return new NodeLibrary(Map.ofEntries(
                Map.entry("EmptyImage", new EmptyImageNode()),
                Map.entry("ImageInvert", new ImageInvertNode()),
                Map.entry("ImageScale", new ImageScaleNode()),
                Map.entry("LoadImage", new LoadImageNode()),
                Map.entry("SaveImage", SaveImagesNode.save()),
                Map.entry("PreviewImage", SaveImagesNode.preview()),
                Map.entry("CheckpointLoaderSimple", new CheckpointLoaderNode()),
                Map.entry("CLIPTextEncode", new TextEncodeNode()),
                Map.entry("EmptyLatentImage", new EmptyLatentNode()),
                Map.entry("KSampler", new KSamplerNode()),
                Map.entry("VAEDecode", new VaeDecodeNode()),
                Map.entry("SlowProgress", new SlowProgressNode()),
                Map.entry("SaveAnimatedPNG", new SaveAnimatedPngNode()),
                Map.entry("PreviewAny", new PreviewAnyNode()),
                Map.entry("PrimitiveInt", new PrimitiveNode()),
                Map.entry("PrimitiveFloat", new PrimitiveNode()),
                Map.entry("PrimitiveString", new PrimitiveNode()),
                Map.entry("PrimitiveStringMultiline", new PrimitiveNode()),
                Map.entry("PrimitiveBoolean", new PrimitiveNode()),
                Map.entry("EmptyAudio", new EmptyAudioNode()),
                Map.entry("SaveAudio", SaveAudioNode.save()),
                Map.entry("PreviewAudio", SaveAudioNode.preview())));
    }

    public NodeBehavior behaviourFor(String classType) {
        return behaviours.getOrDefault(classType, GENERIC);
    }
}
