package io.comfyfleet.gateway.templates;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.comfyfleet.gateway.jobs.InvalidRequestException;
import io.comfyfleet.gateway.templates.ParamSchema.Kind;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Parameter schemas from the real node catalogue of ComfyUI 0.3.64, and from the workflow alone without one. */
class ParamSchemasTest {
    private static final TemplateDefinition PORTRAIT = TemplateDefinition.parse(Portrait.definition());

    @Test
    void theCatalogueGivesTypesRangesStepsOptionsAndTheWorkflowGivesDefaults() {
        Map<String, ParamSchema> s = ParamSchemas.of(PORTRAIT, Optional.of(Portrait.h100()));

        assertThat(s.get("seed").kind()).isEqualTo(Kind.INTEGER);
        assertThat(s.get("seed").min()).isEqualByComparingTo("0");
        assertThat(s.get("seed").max()).isEqualByComparingTo(new BigDecimal(new BigInteger("18446744073709551615")));
        assertThat(s.get("seed").defaultValue().asInt()).isEqualTo(1);
        assertThat(s.get("steps").min()).isEqualByComparingTo("1");
        assertThat(s.get("steps").max()).isEqualByComparingTo("10000");
        assertThat(s.get("cfg").kind()).isEqualTo(Kind.NUMBER);
        assertThat(s.get("cfg").step()).isEqualByComparingTo("0.1");
        assertThat(s.get("cfg").max()).isEqualByComparingTo("100");
        assertThat(s.get("sampler").kind()).isEqualTo(Kind.ENUM);
        assertThat(s.get("sampler").options()).extracting(JsonNode::asString).contains("euler", "heun", "dpmpp_2m");
        assertThat(s.get("checkpoint").options()).extracting(JsonNode::asString)
                .containsExactly("rand_a.safetensors", "rand_b.safetensors");
        assertThat(s.get("prompt").kind()).isEqualTo(Kind.STRING);
        assertThat(s.get("prompt").required()).isTrue();
        assertThat(s.get("prompt").description()).isEqualTo("The text to be encoded.");
        assertThat(s.values()).allMatch(ParamSchema::fromCatalogue);
    }

    @Test
    void theJsonSchemaSaysTheSame() {
        ObjectNode doc = ParamSchemaDocument.of(ParamSchemas.of(PORTRAIT, Optional.of(Portrait.h100())));

        assertThat(doc.get("type").asString()).isEqualTo("object");
        assertThat(doc.get("additionalProperties").asBoolean()).isFalse();
        assertThat(doc.get("required")).extracting(JsonNode::asString).containsExactly("prompt");
        JsonNode steps = doc.get("properties").get("steps");
        assertThat(steps.get("type").asString()).isEqualTo("integer");
        assertThat(steps.get("minimum").asInt()).isEqualTo(1);
        assertThat(steps.get("maximum").asInt()).isEqualTo(10000);
        assertThat(steps.get("default").asInt()).isEqualTo(20);
        assertThat(doc.get("properties").get("cfg").get("x-comfyfleet").get("step").asDouble()).isEqualTo(0.1);
        assertThat(doc.get("properties").get("checkpoint").get("enum")).hasSize(2);
        assertThat(doc.get("properties").get("prompt").get("x-comfyfleet").get("node").asString()).isEqualTo("6");
    }

    @Test
    void anUploadPickerIsAnImageParameter() {
        TemplateDefinition upload = TemplateDefinition.parse(Portrait.upload());
        ParamSchema image = ParamSchemas.of(upload, Optional.of(Portrait.h100())).get("image");

        assertThat(image.kind()).isEqualTo(Kind.IMAGE);
        assertThat(image.toJsonSchema().get("description").asString()).contains("input.images");
    }

    @Test
    void withoutACatalogueTheWorkflowsValuesGiveTheTypesAndNothingIsBounded() {
        Map<String, ParamSchema> s = ParamSchemas.of(PORTRAIT, Optional.empty());

        // a whole number may be a FLOAT input ComfyUI wrote without a fraction (cfg 8): a number, checked by the worker
        assertThat(s.get("seed").kind()).isEqualTo(Kind.NUMBER);
        assertThat(s.get("cfg").kind()).isEqualTo(Kind.NUMBER);
        assertThat(s.get("sampler").kind()).isEqualTo(Kind.STRING);
        assertThat(s.get("seed").min()).isNull();
        assertThat(s.get("seed").max()).isNull();
        assertThat(s.values()).noneMatch(ParamSchema::fromCatalogue);
    }

    @Test
    void registrationWithACatalogueRefusesInputsThatCannotBeSet() {
        ObjectNode linked = Portrait.definition();
        ((ObjectNode) linked.get("params")).putObject("model").put("node", "3").put("input", "model");
        assertThatThrownBy(() -> TemplateDefinition.parse(linked)).isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("params.model").hasMessageContaining("link");

        ObjectNode unknownType = Portrait.definition();
        ((ObjectNode) unknownType.get("workflow").get("6")).put("class_type", "NoSuchEncoder");
        assertThatThrownBy(() -> ParamSchemas.check(TemplateDefinition.parse(unknownType), Portrait.h100(), "v1"))
                .hasMessageContaining("params.prompt").hasMessageContaining("NoSuchEncoder")
                .hasMessageContaining("version v1");

        ObjectNode extraInput = Portrait.definition();
        ((ObjectNode) extraInput.get("workflow").get("3").get("inputs")).put("sede", 5);
        ((ObjectNode) extraInput.get("params")).putObject("sede").put("node", "3").put("input", "sede");
        assertThatThrownBy(() -> ParamSchemas.check(TemplateDefinition.parse(extraInput), Portrait.h100(), "v1"))
                .hasMessageContaining("KSampler has no input \"sede\"").hasMessageContaining("seed");
    }

    @Test
    void malformedDefinitionsAreRefusedNamingTheField() {
        ObjectNode noNode = Portrait.definition();
        ((ObjectNode) noNode.get("params").get("seed")).put("node", "99");
        assertThatThrownBy(() -> TemplateDefinition.parse(noNode)).hasMessageContaining("params.seed.node")
                .hasMessageContaining("no node \"99\"");

        ObjectNode twice = Portrait.definition();
        ((ObjectNode) twice.get("params")).putObject("seed2").put("node", "3").put("input", "seed");
        assertThatThrownBy(() -> TemplateDefinition.parse(twice)).hasMessageContaining("bind each input once");

        ObjectNode badName = Portrait.definition();
        ((ObjectNode) badName.get("params")).putObject("9lives\u0007").put("node", "3").put("input", "steps");
        assertThatThrownBy(() -> TemplateDefinition.parse(badName)).hasMessageContaining("9lives?")
                .hasMessageNotContaining("\u0007");

        ObjectNode none = Portrait.definition();
        none.putObject("params");
        assertThatThrownBy(() -> TemplateDefinition.parse(none)).hasMessageContaining("at least one parameter");
    }
}
