package io.comfyfleet.gateway.templates;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.comfyfleet.gateway.admission.TestCatalogue;
import io.comfyfleet.gateway.jobs.Json;
import io.comfyfleet.gateway.jobs.InvalidRequestException;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** A template job's params checked against the real catalogue's schemas, and the workflow they give. */
class TemplateExpansionTest {
    private static final TemplateDefinition PORTRAIT = TemplateDefinition.parse(Portrait.definition());
    private static final Map<String, ParamSchema> SCHEMAS = ParamSchemas.of(PORTRAIT, Optional.of(Portrait.h100()));

    private static ObjectNode input(String json) {
        return (ObjectNode) Json.mapper().readTree(json);
    }

    private static ObjectNode expand(String inputJson) {
        return TemplateExpansion.expand("portrait", PORTRAIT, SCHEMAS, input(inputJson), Set.of());
    }

    @Test
    void sentParamsReplaceTheWorkflowsValuesAndTheRestOfTheInputStays() {
        ObjectNode expanded = expand("""
                {"template": "portrait", "params": {"prompt": "a lighthouse", "seed": 18446744073709551615,
                 "cfg": 6.5, "sampler": "heun", "checkpoint": "rand_b.safetensors"}, "preview": true}""");

        JsonNode w = expanded.get("workflow");
        assertThat(w.get("6").get("inputs").get("text").asString()).isEqualTo("a lighthouse");
        assertThat(w.get("3").get("inputs").get("seed").bigIntegerValue()).hasToString("18446744073709551615");
        assertThat(w.get("3").get("inputs").get("cfg").asDouble()).isEqualTo(6.5);
        assertThat(w.get("3").get("inputs").get("sampler_name").asString()).isEqualTo("heun");
        assertThat(w.get("4").get("inputs").get("ckpt_name").asString()).isEqualTo("rand_b.safetensors");
        // left out: the workflow's own value
        assertThat(w.get("3").get("inputs").get("steps").asInt()).isEqualTo(20);
        // the links are untouched
        assertThat(w.get("3").get("inputs").get("model")).isEqualTo(Portrait.workflow().get("3").get("inputs").get("model"));
        assertThat(expanded.has("template")).isFalse();
        assertThat(expanded.has("params")).isFalse();
        assertThat(expanded.get("preview").asBoolean()).isTrue();
    }

    @Test
    void anUnknownParameterIsNamedWithTheKnownOnes() {
        assertThatThrownBy(() -> expand("{\"params\": {\"prompt\": \"x\", \"sede\": 1}}"))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("template \"portrait\" has no parameter \"sede\"; its parameters are"
                        + " [prompt, seed, steps, cfg, sampler, checkpoint]");
    }

    @Test
    void aWrongTypeSaysWhatTheParameterTakes() {
        assertThatThrownBy(() -> expand("{\"params\": {\"prompt\": \"x\", \"steps\": \"20\"}}"))
                .hasMessage("template \"portrait\": parameter \"steps\" got \"20\"; it takes a whole number from 1"
                        + " to 10000; send the number without quotes");
        assertThatThrownBy(() -> expand("{\"params\": {\"prompt\": \"x\", \"steps\": 2.5}}"))
                .hasMessageContaining("parameter \"steps\" got 2.5; it takes a whole number");
        assertThatThrownBy(() -> expand("{\"params\": {\"prompt\": {\"$ne\": 1}}}"))
                .hasMessageContaining("parameter \"prompt\" got an object; it takes text");
    }

    @Test
    void outOfRangeGivesTheRange() {
        assertThatThrownBy(() -> expand("{\"params\": {\"prompt\": \"x\", \"steps\": 10001}}"))
                .hasMessageContaining("got 10001; it takes a whole number from 1 to 10000");
        assertThatThrownBy(() -> expand("{\"params\": {\"prompt\": \"x\", \"seed\": -1}}"))
                .hasMessageContaining("\"seed\" got -1; it takes a whole number from 0 to 18446744073709551615");
        assertThatThrownBy(() -> expand("{\"params\": {\"prompt\": \"x\", \"cfg\": 100.5}}"))
                .hasMessageContaining("\"cfg\" got 100.5; it takes a number from 0.0 to 100.0");
    }

    @Test
    void aValueNotInTheComboListsTheOptions() {
        assertThatThrownBy(() -> expand("{\"params\": {\"prompt\": \"x\", \"checkpoint\": \"sdxl.safetensors\"}}"))
                .hasMessage("template \"portrait\": parameter \"checkpoint\" got \"sdxl.safetensors\"; it takes one"
                        + " of [\"rand_a.safetensors\", \"rand_b.safetensors\"]");
        assertThatThrownBy(() -> expand("{\"params\": {\"prompt\": \"x\", \"sampler\": \"nope\"}}"))
                .hasMessageContaining("one of [\"euler\", \"euler_cfg_pp\"").hasMessageContaining("in all)");
    }

    @Test
    void aMissingRequiredParameterIsNamed() {
        assertThatThrownBy(() -> expand("{\"params\": {\"seed\": 3}}"))
                .hasMessage("template \"portrait\": parameter \"prompt\" is required; it takes text of at most 65536"
                        + " characters");
        assertThatThrownBy(() -> expand("{}")).hasMessageContaining("\"prompt\" is required");
    }

    @Test
    void hostileInputIsRefusedWithBoundedMessages() {
        String huge = "x".repeat(ParamSchema.MAX_TEXT + 1);
        assertThatThrownBy(() -> expand("{\"params\": {\"prompt\": \"" + huge + "\"}}"))
                .hasMessageContaining("got text of 65537 characters; it takes text of at most 65536");
        String longName = "p".repeat(10_000) + "\\u0000";
        assertThatThrownBy(() -> expand("{\"params\": {\"prompt\": \"x\", \"" + longName + "\": 1}}"))
                .hasMessageContaining("has no parameter \"ppp").satisfies(e -> {
                    assertThat(e.getMessage()).hasSizeLessThan(300).doesNotContain("\u0000");
                });
        assertThatThrownBy(() -> expand("{\"params\": [1, 2]}")).hasMessageContaining("input.params must be an object");
        assertThatThrownBy(() -> expand("{\"params\": {\"prompt\": \"x\", \"seed\": [\"1\", 0]}}"))
                .as("a link smuggled in as a value").hasMessageContaining("\"seed\" got a list");
    }

    @Test
    void anImageParameterMustNameACarriedOrListedFile() {
        TemplateDefinition upload = TemplateDefinition.parse(Portrait.upload());
        Map<String, ParamSchema> schemas = ParamSchemas.of(upload, Optional.of(Portrait.h100()));
        ObjectNode carried = input("{\"params\": {\"image\": \"me.png\"}, \"images\": [{\"name\": \"me.png\","
                + " \"image\": \"data:image/png;base64,iVBORw0KGgo=\"}]}");

        ObjectNode expanded = TemplateExpansion.expand("upload", upload, schemas, carried, Set.of());
        assertThat(expanded.get("workflow").get("1").get("inputs").get("image").asString()).isEqualTo("me.png");
        assertThat(expanded.get("images")).hasSize(1);
        assertThat(TemplateExpansion.expand("upload", upload, schemas,
                input("{\"params\": {\"image\": \"example.png\"}}"), Set.of("example.png"))).isNotNull();
        assertThatThrownBy(() -> TemplateExpansion.expand("upload", upload, schemas,
                input("{\"params\": {\"image\": \"you.png\"}, \"images\": [{\"name\": \"me.png\"}]}"), Set.of()))
                .hasMessageContaining("\"image\" got \"you.png\"; it takes the name of a file sent in input.images;"
                        + " input.images holds [me.png]");
    }
}
