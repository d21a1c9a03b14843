package io.comfyfleet.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.emulator.testing.ComfyTestClient;
import io.comfyfleet.emulator.testing.TestEmulator;
import io.comfyfleet.emulator.testing.Workflows;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Values the real ComfyUI 0.3.64 gave where the emulator used to differ (found by {@code RealComfyEndToEndTest},
 * which needs the real ComfyUI; this keeps the answers checked without it).
 */
class RealComfyArithmeticTest {
    @TempDir
    Path dir;

    @Test
    void imageInvertTruncatesInFloat32AsComfyUiDoes() throws Exception {
        try (TestEmulator comfy = TestEmulator.start(dir)) {
            // 200 -> 54 and 254 -> 0 on the real ComfyUI (not 55 and 1); 1 -> 254 as 255 - v
            JsonNode image = comfy.run(Workflows.basic(0xC8FE01)).get("outputs").get("3").get("images").get(0);
            ComfyTestClient.Answer view = comfy.client.get("/view?filename=" + image.get("filename").asString()
                    + "&type=output");
            assertThat(ImageIO.read(new ByteArrayInputStream(view.bytes())).getRGB(0, 0) & 0xFFFFFF)
                    .isEqualTo(54 << 16 | 0 << 8 | 254);
        }
    }

    @Test
    void aPrimitiveGivesItsValue() throws Exception {
        try (TestEmulator comfy = TestEmulator.start(dir)) {
            ObjectNode prompt = (ObjectNode) JsonMapper.builder().build().readTree("""
                    {"1":{"class_type":"PrimitiveInt","inputs":{"value":42}},
                     "2":{"class_type":"PreviewAny","inputs":{"source":["1",0]}},
                     "3":{"class_type":"PrimitiveString","inputs":{"value":"a cat"}},
                     "4":{"class_type":"PreviewAny","inputs":{"source":["3",0]}}}""");
            JsonNode outputs = comfy.run(prompt).get("outputs");
            assertThat(outputs.path("2").path("text").toString()).isEqualTo("[\"42\"]");
            assertThat(outputs.path("4").path("text").toString()).isEqualTo("[\"a cat\"]");
        }
    }
}
