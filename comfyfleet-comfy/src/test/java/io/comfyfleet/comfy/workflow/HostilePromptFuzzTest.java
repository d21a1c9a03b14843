package io.comfyfleet.comfy.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.common.json.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Thousands of random, mostly broken prompts (seeded, so a failure reproduces): neither the strict parser nor the
 * validator ever throws anything but their typed answers, and the two agree where they overlap.
 */
class HostilePromptFuzzTest {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final NodeCatalog CATALOG = Captures.catalog("h100-0.3.64");
    private static final ObjectNode RECORDED =
            (ObjectNode) Captures.read("h100-0.3.64", "g01_a_cold.json").get("request").get("prompt");
    private static final List<String> TYPES = List.of("SaveImage", "PreviewImage", "EmptyImage", "ImageInvert",
            "LoadImage", "KSampler", "CheckpointLoaderSimple", "CLIPTextEncode", "VAEDecode", "EmptyLatentImage",
            "ImageScale", "PreviewAny", "NoSuchNode");
    private static final List<String> INPUTS = List.of("images", "image", "width", "height", "batch_size", "color",
            "seed", "steps", "cfg", "sampler_name", "ckpt_name", "text", "clip", "model", "samples", "vae",
            "filename_prefix", "upscale_method", "crop", "source", "positive", "negative", "latent_image", "denoise");

    @Test
    void neverThrowsAndAgreesWithTheStrictModel() {
        Random random = new Random(20261126L);
        int parsed = 0;
        int[] statuses = new int[600];
        for (int i = 0; i < 1500; i++) {
            int shape = random.nextInt(10);
            JsonNode prompt = shape == 0 ? anyValue(random, 3) : shape < 4 ? mutatedRecording(random) : prompt(random);

            PromptCheck check = PromptValidator.validate(prompt, CATALOG, ValidationContext.filesListedInCatalog());
            statuses[check.httpStatus()]++;
            assertThat(check.httpStatus()).as(prompt.toString()).isIn(200, 400, 500);
            assertThat(check.userMessage()).isNotNull();
            assertThat(check.body()).isNotNull();
            if (check.httpStatus() == 400) {
                assertThat(check.body().get("error").get("type").isString()).isTrue();
            }

            Workflow workflow;
            try {
                workflow = Workflow.parse(prompt);
            } catch (InvalidWorkflowException e) {
                assertThat(e.getMessage()).isNotBlank();
                continue;
            }
            parsed++;
            // a workflow the strict model accepts is one ComfyUI can read: it never crashes on it, and finds no
            // link to a missing node
            assertThat(check.httpStatus()).as(prompt.toString()).isNotEqualTo(500);
            assertThat(check.nodeErrors().toString()).doesNotContain("KeyError");
            assertThat(PromptValidator.validate(workflow, CATALOG, ValidationContext.filesListedInCatalog()).body())
                    .as(prompt.toString()).isEqualTo(check.body());
            assertThat(workflow.executionOrder(CATALOG)).hasSizeLessThanOrEqualTo(workflow.size());
        }
        System.out.println("parsed " + parsed + ", 200: " + statuses[200] + ", 400: " + statuses[400] + ", 500: " + statuses[500]);
        assertThat(parsed).isGreaterThan(300);
        assertThat(statuses[200]).isGreaterThan(50);
        assertThat(statuses[400]).isGreaterThan(100);
        assertThat(statuses[500]).isGreaterThan(20);
    }

    /** A recorded, valid txt2img prompt with one input changed at random (maybe not at all). */
    private static JsonNode mutatedRecording(Random r) {
        ObjectNode prompt = RECORDED.deepCopy();
        List<String> ids = new ArrayList<>(prompt.propertyNames());
        if (r.nextInt(3) > 0) {
            ObjectNode inputs = (ObjectNode) prompt.get(pick(r, ids)).get("inputs");
            String input = r.nextBoolean() ? pick(r, new ArrayList<>(inputs.propertyNames())) : pick(r, INPUTS);
            inputs.set(input, r.nextBoolean() ? link(r, ids) : anyValue(r, 1));
        }
        return prompt;
    }

    private static JsonNode prompt(Random r) {
        ObjectNode prompt = F.objectNode();
        int n = 1 + r.nextInt(6);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(r.nextInt(8) == 0 ? "x" + r.nextInt(3) : String.valueOf(r.nextInt(9)));
        }
        for (String id : ids) {
            if (r.nextInt(25) == 0) {
                prompt.set(id, anyValue(r, 2));
                continue;
            }
            ObjectNode node = prompt.putObject(id);
            if (r.nextInt(30) != 0) {
                node.set("class_type", r.nextInt(30) == 0 ? anyValue(r, 1) : F.stringNode(pick(r, TYPES)));
            }
            if (r.nextInt(30) == 0) {
                continue;
            }
            if (r.nextInt(40) == 0) {
                node.set("inputs", anyValue(r, 1));
                continue;
            }
            ObjectNode inputs = node.putObject("inputs");
            int k = r.nextInt(6);
            for (int j = 0; j < k; j++) {
                inputs.set(pick(r, INPUTS), r.nextBoolean() ? link(r, ids) : anyValue(r, 1));
            }
        }
        return prompt;
    }

    private static JsonNode link(Random r, List<String> ids) {
        ArrayNode link = F.arrayNode();
        switch (r.nextInt(12)) {
            case 0 -> link.add(r.nextInt(9));
            case 1 -> link.add("99");
            default -> link.add(pick(r, ids));
        }
        switch (r.nextInt(10)) {
            case 0 -> link.add("0");
            case 1 -> link.add(-1);
            case 2 -> link.add(7);
            default -> link.add(r.nextInt(3));
        }
        if (r.nextInt(20) == 0) {
            link.add(0);
        }
        return link;
    }

    private static JsonNode anyValue(Random r, int depth) {
        int kind = r.nextInt(depth > 0 ? 11 : 8);
        return switch (kind) {
            case 0 -> F.nullNode();
            case 1 -> F.booleanNode(r.nextBoolean());
            case 2 -> F.numberNode(r.nextInt(40000) - 100);
            case 3 -> F.numberNode(r.nextDouble() * 200 - 50);
            case 4 -> F.stringNode(pick(r, List.of("", "64", "abc", "euler", "red.png", "nope.png", "rand_a.safetensors",
                    "class_type", " 1_0 ", "1e3", "inf")));
            case 5 -> F.numberNode(new java.math.BigInteger("18446744073709551616"));
            case 6 -> F.stringNode("é\u2028'\"");
            case 7 -> F.numberNode(Double.NaN);
            case 8 -> {
                ArrayNode a = F.arrayNode();
                for (int i = r.nextInt(4); i > 0; i--) {
                    a.add(anyValue(r, depth - 1));
                }
                yield a;
            }
            case 9 -> {
                ObjectNode o = F.objectNode();
                o.set(r.nextBoolean() ? "__value__" : "k", anyValue(r, depth - 1));
                yield o;
            }
            default -> F.stringNode("x");
        };
    }

    private static <T> T pick(Random r, List<T> items) {
        return items.get(r.nextInt(items.size()));
    }
}
