package io.comfyfleet.cli.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.comfyfleet.sdk.Template;
import io.comfyfleet.sdk.TemplateInfo;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class TemplateParamsTest {
    private static final Optional<TemplateInfo> SQUARE = Optional.of(new TemplateInfo("square", null, 1,
            JsonMapper.builder().build().readTree("""
                    {"type": "object", "properties": {"size": {"type": "integer"}, "label": {"type": "string"}}}""")));

    @Test
    void eachParamIsTypedByTheTemplatesSchema() {
        Template t = TemplateParams.of("square", List.of("size=64", "label=64"), SQUARE);
        assertThat(t.params().get("size").isIntegralNumber()).isTrue();
        assertThat(t.params().get("label").stringValue()).isEqualTo("64");
    }

    @Test
    void aParamGivenTwiceIsRefusedRatherThanTheLastOneWinning() {
        assertThatThrownBy(() -> TemplateParams.of("square", List.of("size=64", "label=a", "size=128"), SQUARE))
                .isInstanceOf(UsageException.class)
                .hasMessage("--param size is given twice (\"size=64\" and \"size=128\"); give each parameter once");
    }
}
