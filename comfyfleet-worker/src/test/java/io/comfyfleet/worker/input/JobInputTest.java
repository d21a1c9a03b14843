package io.comfyfleet.worker.input;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.comfyfleet.common.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JobInputTest {
    private static final String PNG = Base64.getEncoder().encodeToString("png-bytes".getBytes(StandardCharsets.UTF_8));

    private static JobInput parse(String json) {
        return JobInput.parse(Json.MAPPER.readTree(json));
    }

    @Test
    void workerComfyuiShapeIsRead() {
        JobInput in = parse("{\"workflow\":{\"1\":{\"class_type\":\"LoadImage\",\"inputs\":{\"image\":\"a.png\"}}},"
                + "\"images\":[{\"name\":\"a.png\",\"image\":\"" + PNG + "\"},"
                + "{\"name\":\"b.png\",\"image\":\"data:image/png;base64," + PNG + "\"},"
                + "{\"name\":\"c.png\",\"image\":\"https://files.example.com/c.png\"},"
                + "{\"name\":\"d.png\",\"url\":\"https://files.example.com/d.png\"}],\"preview\":true,"
                + "\"comfy_org_api_key\":\"comfyui-abc\"}");
        assertThat(in.comfyOrgApiKey()).isEqualTo("comfyui-abc");
        assertThat(in.workflow().has("1")).isTrue();
        assertThat(in.preview()).isTrue();
        assertThat(in.images()).extracting(InputImage::name).containsExactly("a.png", "b.png", "c.png", "d.png");
        assertThat(((InputImage.Inline) in.images().get(0).source()).bytes()).asString().isEqualTo("png-bytes");
        assertThat(((InputImage.Inline) in.images().get(1).source()).bytes()).asString().isEqualTo("png-bytes");
        assertThat(((InputImage.Remote) in.images().get(2).source()).url()).hasHost("files.example.com");
        assertThat(in.images().get(3).source()).isInstanceOf(InputImage.Remote.class);
    }

    @Test
    void mistakesSayWhatToChange() {
        assertThatThrownBy(() -> parse("{}")).isInstanceOf(InvalidJobInputException.class).hasMessageContaining("input.workflow is missing");
        assertThatThrownBy(() -> parse("{\"workflow\":\"{}\"}")).hasMessageContaining("not as JSON text inside a string");
        assertThatThrownBy(() -> parse("[1]")).hasMessageContaining("input must be an object");
        assertThatThrownBy(() -> parse("{\"workflow\":{},\"images\":[{\"name\":\"a.png\",\"image\":\"%%%\"}]}"))
                .hasMessageContaining("input.images[0].image is not valid base64");
        assertThatThrownBy(() -> parse("{\"workflow\":{},\"images\":[{\"name\":\"a.png\",\"image\":\"" + PNG + "\"},"
                + "{\"name\":\"a.png\",\"image\":\"" + PNG + "\"}]}")).hasMessageContaining("used twice");
        assertThatThrownBy(() -> parse("{\"workflow\":{},\"images\":[{\"name\":\"a.png\"}]}"))
                .hasMessageContaining("input.images[0].image is missing");
        assertThatThrownBy(() -> parse("{\"workflow\":{},\"images\":[{\"name\":\"a.png\",\"image\":\"data:image/png,abc\"}]}"))
                .hasMessageContaining("without ';base64,'");
        assertThatThrownBy(() -> parse("{\"workflow\":{},\"s3Config\":\"x\"}")).hasMessageContaining("input.s3Config");
    }

    @Test
    void theJobsTopLevelS3ConfigIsUsedUnlessTheInputHasItsOwn() {
        JobInput plain = parse("{\"workflow\":{}}");
        var jobLevel = Json.MAPPER.readTree("{\"bucketName\":\"job\"}");
        assertThat(plain.withJobS3Config(jobLevel).s3Config().path("bucketName").asString()).isEqualTo("job");
        JobInput own = parse("{\"workflow\":{},\"s3Config\":{\"bucketName\":\"input\"}}");
        assertThat(own.withJobS3Config(jobLevel).s3Config().path("bucketName").asString()).isEqualTo("input");
        assertThat(plain.withJobS3Config(null).s3Config()).isNull();
        assertThatThrownBy(() -> plain.withJobS3Config(Json.MAPPER.readTree("\"x\""))).hasMessageContaining("s3Config");
    }

    @ParameterizedTest
    @ValueSource(strings = {"../etc/passwd", "a/b.png", "a\\b.png", "x\u0000.png", "x\n.png", "..", ".hidden.png",
            "C:x.png", " x.png", ""})
    void unsafeNamesAreRefused(String name) {
        assertThatThrownBy(() -> ImageNames.requireSafe(name, "input.images[0].name"))
                .isInstanceOf(InvalidJobInputException.class).hasMessageStartingWith("input.images[0].name");
    }

    @Test
    void longNamesAreRefusedAndPlainOnesKept() {
        assertThatThrownBy(() -> ImageNames.requireSafe("a".repeat(201), "n")).hasMessageContaining("longer than 200");
        assertThat(ImageNames.requireSafe("my image (1).png", "n")).isEqualTo("my image (1).png");
        assertThat(ImageNames.requireSafe("顔.png", "n")).isEqualTo("顔.png");
    }
}
