package io.comfyfleet.emulator.nodes;

/** EmptyLatentImage: the size and batch that the sampler and the decoder will work at. */
final class EmptyLatentNode implements NodeBehavior {
    @Override
    public NodeResult run(NodeCall call) {
        call.spend(call.services().timing().otherNode());
        return NodeResult.of(new Values.Latent(call.intInput("width", 512), call.intInput("height", 512),
                call.intInput("batch_size", 1), -1));
    }
}
