package io.comfyfleet.emulator.nodes;

/**
 * PrimitiveInt, PrimitiveFloat, PrimitiveString, PrimitiveStringMultiline, PrimitiveBoolean: output their
 * {@code value} input unchanged, as ComfyUI's do. (Handled as generic nodes before, they gave 0, "" or false
 * whatever the value: {@code RealComfyEndToEndTest} showed PreviewAny of PrimitiveInt 42 saying "42" on the real
 * ComfyUI and "0" here.)
 */
final class PrimitiveNode implements NodeBehavior {
    @Override
    public NodeResult run(NodeCall call) {
        call.spend(call.services().timing().otherNode());
        return NodeResult.of(call.input("value"));
    }
}
