package io.comfyfleet.image.recipe;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.image.recipe.Recipe.Placement;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The recipes in examples/ parse: the CPU test recipe built by ImageBuildIT and the GPU starting point. */
class ShippedRecipesTest {
    private static final Path EXAMPLES = Path.of(System.getProperty("comfyfleet.repo.dir", "..")).resolve("examples/worker-image");

    @Test
    void theCpuTestRecipeBakesItsModelAndRunsComfyUiThroughTheLaunchersStandIns() {
        Recipe r = RecipeParser.parse(EXAMPLES.resolve("comfyfleet-image.yaml"));
        assertThat(r.base()).isEqualTo("localhost/debian:bookworm");
        assertThat(r.apt()).contains("python3-torch", "python3-torchvision");
        assertThat(r.python()).isEqualTo("/opt/comfyui-standins/python");
        // as written, not resolved on disk: a clone without ../shared beside it has no such folder
        assertThat(r.comfyui().source().path().normalize()).endsWithRaw(Path.of("shared/comfyui/real/ComfyUI"));
        assertThat(r.models()).singleElement().satisfies(m -> assertThat(m.placement()).isEqualTo(Placement.BAKE));
    }

    @Test
    void theGpuRecipeUsesACudaBaseAndPyTorchsIndexWithEveryPlacement() {
        Recipe r = RecipeParser.parse(EXAMPLES.resolve("gpu/comfyfleet-image.yaml"));
        assertThat(r.base()).startsWith("nvidia/cuda:");
        assertThat(r.pip().indexUrl()).isEqualTo("https://download.pytorch.org/whl/cu124");
        assertThat(r.pip().packages()).contains("torch==2.5.1");
        assertThat(r.models()).extracting(Recipe.Model::placement)
                .containsExactly(Placement.BAKE, Placement.CACHE, Placement.VOLUME);
        assertThat(r.secrets()).extracting(Recipe.Secret::env).containsExactly("HF_TOKEN");
    }
}
