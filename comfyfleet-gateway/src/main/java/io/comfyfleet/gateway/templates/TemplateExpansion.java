package io.comfyfleet.gateway.templates;

import io.comfyfleet.gateway.jobs.InvalidRequestException;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns a template job's {@code input} ({@code template}, {@code params}, {@code images}, anything else) into a
 * full one: the template's workflow with each sent parameter checked and set, {@code template} and
 * {@code params} removed, the rest kept, so the job the worker gets is the same as if the client had sent the
 * workflow.
 */
final class TemplateExpansion {
    private TemplateExpansion() {}

    /**
     * @param schemas the template's parameter schemas for the endpoint's current catalogue
     * @param listed  files the current version's ComfyUI has in its input folder
     * @throws InvalidRequestException for params that are not an object, an unknown or missing parameter, or a
     *     value its schema refuses
     */
    static ObjectNode expand(String template, TemplateDefinition definition, Map<String, ParamSchema> schemas,
            ObjectNode input, Set<String> listed) {
        JsonNode params = input.get("params");
        if (params != null && !params.isNull() && !params.isObject()) {
            throw new InvalidRequestException("input.params must be an object of parameter values, like"
                    + " {\"seed\": 42}; template \"" + template + "\" takes " + Texts.list(schemas.keySet()));
        }
        if (params != null && params.isObject()) {
            for (String name : params.propertyNames()) {
                if (!schemas.containsKey(name)) {
                    throw new InvalidRequestException("template \"" + template + "\" has no parameter \""
                            + Texts.abbreviate(name) + "\"; its parameters are " + Texts.list(schemas.keySet()));
                }
            }
        }
        Set<String> carried = carried(input.path("images"));
        ObjectNode workflow = definition.workflow().deepCopy();
        for (ParamSchema schema : schemas.values()) {
            JsonNode value = params == null ? null : params.get(schema.name());
            if (value == null || value.isNull()) {
                if (schema.required()) {
                    throw new InvalidRequestException("template \"" + template + "\": parameter \"" + schema.name()
                            + "\" is required; it takes " + schema.allowed());
                }
                continue; // the workflow's own value stays
            }
            JsonNode checked = ParamCheck.check(template, schema, value, carried, listed);
            ((ObjectNode) workflow.get(schema.node()).get("inputs")).set(schema.input(), checked);
        }
        ObjectNode expanded = input.deepCopy();
        expanded.remove("template");
        expanded.remove("params");
        expanded.set("workflow", workflow);
        return expanded;
    }

    private static Set<String> carried(JsonNode images) {
        Set<String> names = new HashSet<>();
        for (JsonNode image : images) {
            if (image.path("name").isString()) {
                names.add(image.get("name").stringValue());
            }
        }
        return names;
    }
}
