package io.comfyfleet.emulator.nodes;

/** CheckpointLoaderSimple: "reads" the checkpoint (time only) and hands out MODEL, CLIP and VAE handles. */
final class CheckpointLoaderNode implements NodeBehavior {
    @Override
    public NodeResult run(NodeCall call) {
        String checkpoint = call.stringInput("ckpt_name", "");
        call.spend(call.services().timing().checkpointRead());
        call.services().models().checkpointRead(checkpoint);
        return NodeResult.of(new Values.Model(checkpoint, "MODEL"), new Values.Model(checkpoint, "CLIP"),
                new Values.Model(checkpoint, "VAE"));
    }
}
