package io.comfyfleet.emulator.nodes;

import java.util.ArrayList;
import java.util.List;

/**
 * Every catalogue node without its own emulation: outputs one plausible value per declared output type,
 * passing an input of the same type through when there is one (so image chains keep their pictures).
 */
final class GenericNode implements NodeBehavior {
    @Override
    public NodeResult run(NodeCall call) {
        List<Object> outputs = new ArrayList<>();
        for (String type : call.outputTypes()) {
            outputs.add(valueFor(type, call));
        }
        call.spend(call.services().timing().otherNode());
        return new NodeResult(outputs, null);
    }

    private static Object valueFor(String type, NodeCall call) {
        Object passThrough = firstInputOf(type, call);
        if (passThrough != null) {
            return passThrough;
        }
        return switch (type) {
            case "IMAGE" -> new Values.Images(List.of(Pictures.solid(64, 64, 0x808080)));
            case "LATENT" -> new Values.Latent(512, 512, 1, 0);
            case "MODEL", "CLIP", "VAE" -> new Values.Model("emulated", type);
            case "CONDITIONING" -> new Values.Conditioning("");
            case "AUDIO" -> new Values.Audio(44_100, 1.0);
            case "INT" -> 0;
            case "FLOAT" -> 0.0;
            case "STRING" -> "";
            case "BOOLEAN" -> false;
            default -> new Values.Opaque(type);
        };
    }

    private static Object firstInputOf(String type, NodeCall call) {
        Class<?> wanted = switch (type) {
            case "IMAGE" -> Values.Images.class;
            case "LATENT" -> Values.Latent.class;
            case "AUDIO" -> Values.Audio.class;
            default -> null;
        };
        return wanted == null ? null : call.firstInputOf(wanted);
    }
}
