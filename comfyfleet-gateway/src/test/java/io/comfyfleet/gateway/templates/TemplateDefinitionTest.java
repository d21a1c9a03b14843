package io.comfyfleet.gateway.templates;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.comfyfleet.gateway.jobs.InvalidRequestException;
import io.comfyfleet.gateway.jobs.Json;
import org.junit.jupiter.api.Test;

/** The shape checks of a template an operator registers, and what their refusals say. */
class TemplateDefinitionTest {
    @Test
    void twoParametersOnOneInputAreBothNamed() {
        var definition = Json.mapper().readTree("""
                {"workflow": {"1": {"class_type": "EmptyImage", "inputs": {"width": 64, "height": 64}}},
                 "params": {"w": {"node": "1", "input": "width"}, "size": {"node": "1", "input": "width"}}}""");

        assertThatThrownBy(() -> TemplateDefinition.parse(definition))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("parameters \"w\" and \"size\" both set node 1 input width; bind each input once");
    }
}
