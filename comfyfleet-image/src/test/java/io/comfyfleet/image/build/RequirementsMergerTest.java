package io.comfyfleet.image.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.comfyfleet.image.ImageException;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequirementsMergerTest {
    @Test
    void mergesNodeRequirementsWithTheRecipePinsSortedAndNormalized() {
        RequirementsMerger m = new RequirementsMerger();
        m.add("node 'a'", "# comment\nOpenCV_Python==4.10.0.84\nnumpy>=1.24  # any\npywin32==306 ; sys_platform == 'win32'\n");
        m.add("node 'b'", "opencv-python==4.10.0.84\ntransformers[torch]\n");
        m.addRecipePins(List.of("numpy==1.26.4", "transformers==4.46.3"));
        assertThat(m.merge()).containsExactly("numpy==1.26.4", "opencv-python==4.10.0.84", "transformers[torch]==4.46.3");
    }

    @Test
    void twoNodesPinningOnePackageDifferentlyIsAnErrorNamingBothAndThePackage() {
        RequirementsMerger m = new RequirementsMerger();
        m.add("node 'impact-pack'", "scikit-image==0.24.0\n");
        m.add("node 'controlnet-aux'", "scikit_image==0.22.0\n");
        assertThatThrownBy(m::merge).isInstanceOf(ImageException.class)
                .hasMessageContaining("package 'scikit-image': node 'impact-pack' pins ==0.24.0 but node 'controlnet-aux' pins ==0.22.0");
    }

    @Test
    void anUnpinnedPackageOrAnOptionLineSaysWhereToPinIt() {
        RequirementsMerger m = new RequirementsMerger();
        m.add("node 'x'", "kornia\n--extra-index-url https://example.invalid\n");
        m.addRecipePins(List.of());
        assertThatThrownBy(m::merge)
                .hasMessageContaining("package 'kornia' (required by node 'x') is not pinned: add 'kornia==VERSION' under pip.packages")
                .hasMessageContaining("node 'x': requirements.txt line 2");
    }

    @Test
    void aNodePinThatDisagreesWithTheRecipeNamesBoth() {
        RequirementsMerger m = new RequirementsMerger();
        m.add("node 'x'", "torch==2.4.0\n");
        m.addRecipePins(List.of("torch==2.5.1"));
        assertThatThrownBy(m::merge).hasMessageContaining("package 'torch': node 'x' pins ==2.4.0 but pip.packages pins ==2.5.1");
    }

    @Test
    void theGpuRecipesPinsCoverComfyUi0364sRequirementsWithoutConflict() throws Exception {
        java.nio.file.Path repo = java.nio.file.Path.of(System.getProperty("comfyfleet.repo.dir", "..")).toAbsolutePath().normalize();
        java.nio.file.Path comfyReq = repo.resolveSibling("shared/comfyui/real/ComfyUI/requirements.txt");
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isRegularFile(comfyReq),
                "the real ComfyUI of ../shared/comfyui/real is not on this machine");
        io.comfyfleet.image.recipe.Recipe gpu = io.comfyfleet.image.recipe.RecipeParser.parse(
                repo.resolve("examples/worker-image/gpu/comfyfleet-image.yaml"));
        RequirementsMerger m = new RequirementsMerger();
        m.add("comfyui", java.nio.file.Files.readString(comfyReq));
        m.addRecipePins(gpu.pip().packages());
        assertThat(m.merge()).contains("torch==2.5.1", "comfyui-frontend-package==1.27.10", "av==14.2.0");
    }
}
