package io.comfyfleet.comfy.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.common.json.Json;
import org.junit.jupiter.api.Test;

/** The model files a workflow loads, read from the API-format JSON as it is. */
class LoaderInputsTest {
    @Test
    void loaderFileInputsAreModelsOtherInputsAreNot() {
        var workflow = Json.MAPPER.readTree("""
                {"4":{"class_type":"CheckpointLoaderSimple","inputs":{"ckpt_name":"rand_a.safetensors"}},
                 "5":{"class_type":"VAELoader","inputs":{"vae_name":"pixel_space"}},
                 "6":{"class_type":"DualCLIPLoader","inputs":{"clip_name1":"l.safetensors","clip_name2":"g.safetensors",
                      "type":"sdxl","device":"default"}},
                 "7":{"class_type":"LoraLoader","inputs":{"model":["4",0],"clip":["4",1],"lora_name":["9",0],
                      "strength_model":1}},
                 "8":{"class_type":"KSampler","inputs":{"sampler_name":"euler","scheduler":"normal"}},
                 "9":{"class_type":"LoadImage","inputs":{"image":"in.png"}},
                 "10":{"class_type":"CheckpointLoaderSimple","inputs":{"ckpt_name":"rand_a.safetensors"}}}""");
        assertThat(LoaderInputs.of(workflow)).as("document order, each once; a linked lora_name is no literal")
                .containsExactly("rand_a.safetensors", "pixel_space", "l.safetensors", "g.safetensors");
    }

    @Test
    void anythingThatIsNoWorkflowLoadsNothing() {
        assertThat(LoaderInputs.of(null)).isEmpty();
        assertThat(LoaderInputs.of(Json.MAPPER.readTree("[1,2]"))).isEmpty();
        assertThat(LoaderInputs.of(Json.MAPPER.readTree("{\"1\":5,\"2\":{\"class_type\":7}}"))).isEmpty();
    }
}
