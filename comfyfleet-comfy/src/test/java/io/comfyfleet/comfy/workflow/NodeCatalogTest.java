package io.comfyfleet.comfy.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.comfyfleet.common.json.Json;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

class NodeCatalogTest {

    @ParameterizedTest
    @ValueSource(strings = {"cpu-0.3.64", "h100-0.3.64", "h100-0.3.64-restart"})
    void readsRecordedCatalogues(String folder) {
        NodeCatalog catalog = Captures.catalog(folder);
        JsonNode body = Captures.read(folder, "GET_object_info.json").get("body");

        assertThat(catalog.size()).isEqualTo(body.size()).isGreaterThan(300);
        NodeType empty = catalog.type("EmptyImage").orElseThrow();
        assertThat(empty.inputs(InputCategory.REQUIRED)).extracting(InputSpec::name)
                .containsExactly("width", "height", "batch_size", "color");
        InputSpec width = empty.input("width").orElseThrow();
        assertThat(width.typeName()).isEqualTo("INT");
        assertThat(width.min().orElseThrow().intValue()).isEqualTo(1);
        assertThat(width.max().orElseThrow().intValue()).isEqualTo(16384);
        assertThat(width.step().orElseThrow().intValue()).isEqualTo(1);
        assertThat(width.defaultValue().orElseThrow().intValue()).isEqualTo(512);
        assertThat(width.config()).isEqualTo(body.get("EmptyImage").get("input").get("required").get("width"));
        assertThat(empty.outputTypes()).extracting(JsonNode::asString).containsExactly("IMAGE");
        assertThat(empty.outputNode()).isFalse();

        NodeType save = catalog.type("SaveImage").orElseThrow();
        assertThat(save.outputNode()).isTrue();
        assertThat(save.outputTypes()).isEmpty();
        assertThat(save.inputs(InputCategory.HIDDEN)).extracting(InputSpec::name).containsExactly("prompt", "extra_pnginfo");
        assertThat(save.input("images").orElseThrow().config().toString())
                .isEqualTo("[\"IMAGE\",{\"tooltip\":\"The images to save.\"}]");
    }

    @Test
    void readsCombosBothWaysUploadPickersAndBigBounds() {
        NodeCatalog catalog = Captures.catalog("h100-0.3.64");

        InputSpec image = catalog.type("LoadImage").orElseThrow().input("image").orElseThrow();
        assertThat(image.isCombo()).isTrue();
        assertThat(image.typeName()).isEqualTo("COMBO");
        assertThat(image.comboOptions().orElseThrow()).extracting(JsonNode::asString)
                .containsExactly("corrupt.png", "example.png", "red.png");
        assertThat(image.uploadKind()).contains("image");

        InputSpec video = catalog.type("LoadVideo").orElseThrow().input("file").orElseThrow();
        assertThat(video.isCombo()).isTrue();
        assertThat(video.comboOptions().orElseThrow()).isEmpty();
        assertThat(video.uploadKind()).contains("video");
        assertThat(catalog.type("LoadAudio").orElseThrow().input("audio").orElseThrow().uploadKind()).contains("audio");

        NodeType sampler = catalog.type("KSampler").orElseThrow();
        assertThat(sampler.input("sampler_name").orElseThrow().comboOptions().orElseThrow()).hasSize(42);
        assertThat(sampler.input("seed").orElseThrow().max().orElseThrow().bigIntegerValue())
                .isEqualTo(new BigInteger("18446744073709551615"));
        assertThat(sampler.input("cfg").orElseThrow().uploadKind()).isEmpty();
        assertThat(sampler.input("model").orElseThrow().comboOptions()).isEmpty();

        NodeType ckpt = catalog.type("CheckpointLoaderSimple").orElseThrow();
        assertThat(ckpt.outputTypes()).extracting(JsonNode::asString).containsExactly("MODEL", "CLIP", "VAE");
        assertThat(ckpt.outputNames()).containsExactly("MODEL", "CLIP", "VAE");
        assertThat(ckpt.input("ckpt_name").orElseThrow().comboOptions().orElseThrow()).extracting(JsonNode::asString)
                .containsExactly("rand_a.safetensors", "rand_b.safetensors");
        assertThat(catalog.type("RebatchLatents").orElseThrow().outputIsList()).containsExactly(true);
        assertThat(catalog.type("NoSuchNode")).isEmpty();
        assertThat(catalog.type(null)).isEmpty();
    }

    @Test
    void toleratesSparseEntriesAndRejectsNonObjects() {
        JsonNode body = Json.MAPPER.readTree("{\"A\": {}, \"B\": 5, \"C\": {\"input\": {\"required\": {\"x\": \"INT\","
                + " \"y\": [], \"z\": [\"FLOAT\", 7]}, \"hidden\": {\"u\": \"UNIQUE_ID\"}}, \"output\": [\"X\"]}}");
        NodeCatalog catalog = NodeCatalog.fromObjectInfo(body);

        assertThat(catalog.typeNames()).containsExactly("A", "C");
        assertThat(catalog.type("A").orElseThrow().inputs()).isEmpty();
        NodeType c = catalog.type("C").orElseThrow();
        assertThat(c.input("x").orElseThrow().typeName()).isEqualTo("INT");
        assertThat(c.input("z").orElseThrow().config().toString()).isEqualTo("[\"FLOAT\",7]");
        assertThat(c.input("z").orElseThrow().min()).isEmpty();
        assertThat(c.input("u").orElseThrow().category()).isEqualTo(InputCategory.HIDDEN);
        assertThat(c.outputIsList()).isEmpty();

        assertThatThrownBy(() -> NodeCatalog.fromObjectInfo(Json.MAPPER.readTree("[]")))
                .isInstanceOf(InvalidCatalogException.class);
        assertThatThrownBy(() -> NodeCatalog.fromObjectInfo(null)).isInstanceOf(InvalidCatalogException.class);
    }
}
