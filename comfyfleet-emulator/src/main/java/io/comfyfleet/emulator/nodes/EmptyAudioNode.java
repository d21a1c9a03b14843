package io.comfyfleet.emulator.nodes;

/** EmptyAudio: a clip of {@code duration} seconds at {@code sample_rate} (saved as mono). */
final class EmptyAudioNode implements NodeBehavior {
    @Override
    public NodeResult run(NodeCall call) {
        int rate = call.intInput("sample_rate", 44_100);
        if (rate <= 0 || rate >= 1 << 20) {
            throw new NodeFailure("ValueError", "sample_rate must be between 1 and 1048575, got " + rate);
        }
        call.spend(call.services().timing().otherNode());
        return NodeResult.of(new Values.Audio(rate, call.doubleInput("duration", 60.0)));
    }
}
