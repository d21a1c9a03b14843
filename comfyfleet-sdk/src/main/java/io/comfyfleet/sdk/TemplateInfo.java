package io.comfyfleet.sdk;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * One template as the endpoint lists it ({@code GET /v2/{endpoint}/templates}): its name, description and the
 * JSON Schema of its parameters (types, ranges, allowed values and defaults from the workers' node catalogue).
 *
 * @param description null when the operator gave none
 * @param schema      JSON Schema of {@code params}: {@code properties}, {@code required}
 */
public record TemplateInfo(String name, String description, long revision, JsonNode schema) {

    static TemplateInfo parse(JsonNode node) {
        return new TemplateInfo(node.path("name").asString(), node.path("description").asString(null),
                node.path("revision").asLong(), node.path("schema").deepCopy());
    }

    /** The parameter names, in the template's order. */
    public List<String> params() {
        return new ArrayList<>(schema.path("properties").propertyNames());
    }

    /** The parameters a job must send. */
    public List<String> required() {
        List<String> names = new ArrayList<>();
        schema.path("required").forEach(n -> names.add(n.asString()));
        return names;
    }

    /** One parameter's JSON Schema ({@code type}, {@code minimum}, {@code enum}, {@code default} ...). */
    public JsonNode param(String name) {
        return schema.path("properties").path(name);
    }
}
