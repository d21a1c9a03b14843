package io.comfyfleet.gateway.templates;

import io.comfyfleet.comfy.workflow.NodeCatalog;
import io.comfyfleet.gateway.admission.TestCatalogue;
import io.comfyfleet.gateway.jobs.Json;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Test material: the recorded SD1.5 text-to-image prompt (g01_a_cold) as a "portrait" template, and the real
 * {@code /object_info} of ComfyUI 0.3.64 that typed it.
 */
final class Portrait {
    private Portrait() {}

    static ObjectNode workflow() {
        return (ObjectNode) TestCatalogue.capture("g01_a_cold").get("request").get("prompt").deepCopy();
    }

    /** prompt (required) → 6 text, seed → 3 seed, steps, cfg, sampler → 3, checkpoint → 4 ckpt_name. */
    static ObjectNode definition() {
        ObjectNode d = Json.mapper().createObjectNode().put("description", "SD1.5 portrait");
        d.set("workflow", workflow());
        ObjectNode p = d.putObject("params");
        p.putObject("prompt").put("node", "6").put("input", "text").put("required", true);
        p.putObject("seed").put("node", "3").put("input", "seed");
        p.putObject("steps").put("node", "3").put("input", "steps");
        p.putObject("cfg").put("node", "3").put("input", "cfg");
        p.putObject("sampler").put("node", "3").put("input", "sampler_name");
        p.putObject("checkpoint").put("node", "4").put("input", "ckpt_name");
        return d;
    }

    /** The recorded LoadImage → ImageScale → SaveImage prompt (ok_load_upload) with its image exposed. */
    static ObjectNode upload() {
        ObjectNode d = Json.mapper().createObjectNode();
        d.set("workflow", TestCatalogue.capture("ok_load_upload").get("request").get("prompt").deepCopy());
        d.putObject("params").putObject("image").put("node", "1").put("input", "image").put("required", true);
        return d;
    }

    static NodeCatalog h100() {
        JsonNode body = TestCatalogue.capture("GET_object_info").get("body");
        return NodeCatalog.fromObjectInfo(body);
    }
}
