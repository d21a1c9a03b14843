package io.comfyfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.common.json.Json;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** What the worker says its ComfyUI holds, bounded by ComfyUI's cache flags. */
class HeldModelsTest {
    private static JsonNode workflow(String ckpt, String lora) {
        return Json.MAPPER.readTree("""
                {"1":{"class_type":"CheckpointLoaderSimple","inputs":{"ckpt_name":"%s"}},
                 "2":{"class_type":"LoraLoader","inputs":{"model":["1",0],"clip":["1",1],"lora_name":"%s",
                      "strength_model":1.0,"strength_clip":1.0}},
                 "3":{"class_type":"KSamplerSelect","inputs":{"sampler_name":"euler"}},
                 "4":{"class_type":"CLIPLoader","inputs":{"clip_name":"t5.safetensors","type":"sd3"}},
                 "5":{"class_type":"LoadImage","inputs":{"image":"in.png"}}}""".formatted(ckpt, lora));
    }

    @Test
    void theDefaultCacheHoldsTheLoaderInputsOfTheLastPromptOnly() {
        HeldModels held = HeldModels.forComfyArgs(List.of("main.py", "--listen", "127.0.0.1"));
        assertThat(held.current()).isEmpty();
        held.ranSuccessfully(workflow("a.safetensors", "l1.safetensors"));
        assertThat(held.current()).as("no sampler name, clip type or input image")
                .containsExactlyInAnyOrder("a.safetensors", "l1.safetensors", "t5.safetensors");
        held.ranSuccessfully(workflow("b.safetensors", "l1.safetensors"));
        assertThat(held.current()).containsExactlyInAnyOrder("b.safetensors", "l1.safetensors", "t5.safetensors");
    }

    @Test
    void anLruCacheHoldsTheMostRecentlyUsedNames() {
        HeldModels held = HeldModels.forComfyArgs(List.of("main.py", "--cache-lru", "3"));
        held.ranSuccessfully(workflow("a.safetensors", "l1.safetensors"));
        held.ranSuccessfully(workflow("b.safetensors", "l1.safetensors"));
        assertThat(held.current()).as("a is the least recently used of four")
                .containsExactlyInAnyOrder("b.safetensors", "l1.safetensors", "t5.safetensors")
                .hasSize(3);
        HeldModels eq = HeldModels.forComfyArgs(List.of("--cache-lru=8"));
        eq.ranSuccessfully(workflow("a.safetensors", "l1.safetensors"));
        eq.ranSuccessfully(workflow("b.safetensors", "l1.safetensors"));
        assertThat(eq.current()).containsExactlyInAnyOrder("a.safetensors", "b.safetensors", "l1.safetensors",
                "t5.safetensors");
    }

    @Test
    void noCacheHoldsNothingAndAWorkflowWithoutLoadersNothingEither() {
        HeldModels none = HeldModels.forComfyArgs(List.of("--cache-none"));
        none.ranSuccessfully(workflow("a.safetensors", "l1.safetensors"));
        assertThat(none.current()).isEmpty();
        HeldModels classic = HeldModels.classicCache();
        classic.ranSuccessfully(workflow("a.safetensors", "l1.safetensors"));
        classic.ranSuccessfully(Json.MAPPER.readTree(
                "{\"1\":{\"class_type\":\"EmptyImage\",\"inputs\":{\"width\":8}},\"2\":\"not a node\"}"));
        assertThat(classic.current()).isEmpty();
    }
}
