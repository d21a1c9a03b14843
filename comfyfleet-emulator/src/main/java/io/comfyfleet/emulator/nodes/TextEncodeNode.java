package io.comfyfleet.emulator.nodes;

/** CLIPTextEncode: conditioning from text; the first use after a checkpoint read loads the text encoder. */
final class TextEncodeNode implements NodeBehavior {
    @Override
    public NodeResult run(NodeCall call) {
        Values.Model clip = call.typed("clip", Values.Model.class);
        if (call.services().models().warmTextEncoder(clip.checkpoint())) {
            call.spend(call.services().timing().textEncoderLoad());
        }
        call.spend(call.services().timing().textEncode());
        return NodeResult.of(new Values.Conditioning(call.stringInput("text", "")));
    }
}
